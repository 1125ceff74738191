/**
 * Deduplication: the operators of {@link io.github.ddbstreams.operators.dedupe.Dedupe} drop (and acknowledge)
 * records already emitted, by event id or per shard by sequence number, remembering them in a bounded
 * {@link io.github.ddbstreams.operators.dedupe.DedupeState} that can outlive a pipeline.
 *
 * <pre>{@code
 * DedupeState state = DedupeState.create();
 * Flux.defer(() -> receiver.receive())
 *     .transform(Dedupe.bySequenceNumber(state))
 *     .concatMap(this::process)
 *     .retry()               // a replay after the retry is dropped (and acknowledged)
 *     .subscribe();
 * }</pre>
 */
package io.github.ddbstreams.operators.dedupe;
