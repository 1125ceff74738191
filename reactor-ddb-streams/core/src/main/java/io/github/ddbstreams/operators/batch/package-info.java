/**
 * Batches and windows: operators that gather a shard's records before emitting them.
 * {@link io.github.ddbstreams.operators.batch.Batching} groups them into
 * {@link io.github.ddbstreams.sink.RecordBatch}es closed by count, bytes or time (what a sink writes);
 * {@link io.github.ddbstreams.operators.batch.Windows} folds them into a state per tumbling time window, emitted
 * as a {@link io.github.ddbstreams.operators.batch.WindowResult}. Both are built on one package-private
 * accumulating operator: demand-driven, bounded, {@link reactor.core.Scannable}, never acknowledging a record
 * before its batch or window was emitted.
 *
 * <pre>{@code
 * receiver.receive()
 *     .transform(Batching.batches(BatchOptions.builder().maxRecords(500).maxWait(Duration.ofMillis(200)).build()))
 *     .concatMap(batch -> sink.write(batch).doOnSuccess(result -> batch.acknowledge()))
 *     .subscribe();
 * }</pre>
 */
package io.github.ddbstreams.operators.batch;
