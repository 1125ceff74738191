/**
 * Attribute-level deltas: which attributes a change added, removed or changed
 * ({@link io.github.ddbstreams.operators.delta.ChangeDelta}, one
 * {@link io.github.ddbstreams.operators.delta.AttributeChange} per path), and the operators of
 * {@link io.github.ddbstreams.operators.delta.Delta} that compute them or keep only the records that touched
 * given attributes. Records of a stream view type that cannot give a delta follow an
 * {@link io.github.ddbstreams.operators.delta.UnsupportedViewTypePolicy}.
 *
 * <pre>{@code
 * receiver.receive()
 *     .transform(Delta.whenChanged("status", "address"))   // others are acknowledged and dropped
 *     .concatMap(record -> notify(record).doOnSuccess(ok -> record.checkpoint().acknowledge()))
 *     .subscribe();
 * }</pre>
 */
package io.github.ddbstreams.operators.delta;
