/**
 * What the sink modules of this library share to implement {@link io.github.ddbstreams.sink.ChangeSink}:
 * {@link io.github.ddbstreams.sink.internal.SinkMetrics}, the meters and observation around each write. Not an
 * API: anything here may change in any release.
 *
 * <pre>{@code
 * SinkMetrics metrics = SinkMetrics.create("opensearch", meterRegistry, observationRegistry);
 * public Mono<BatchResult> write(RecordBatch batch) {
 *     return metrics.instrument(batch, () -> send(batch));
 * }
 * }</pre>
 */
@Internal
package io.github.ddbstreams.sink.internal;

import io.github.ddbstreams.Internal;
