/**
 * The sink contract shared by the OpenSearch, Kafka and replica-table sinks, and its types:
 * {@link io.github.ddbstreams.sink.ChangeSink} writes a {@link io.github.ddbstreams.sink.RecordBatch} and
 * reports per-record outcomes in a {@link io.github.ddbstreams.sink.BatchResult}. Batches come from
 * {@code operators.batch.Batching}; {@code operators.errors.ErrorHandling} retries, bisects and acknowledges
 * around a sink's write.
 *
 * <pre>{@code
 * receiver.receive()
 *     .transform(Batching.batches(BatchOptions.builder().maxRecords(500).build()))
 *     .transform(ErrorHandling.process(ErrorHandlingOptions.defaults(), sink::write))
 *     .subscribe();
 * }</pre>
 */
package io.github.ddbstreams.sink;
