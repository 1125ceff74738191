package io.github.ddbstreams.sink;

import reactor.core.publisher.Mono;

/**
 * Writes batches of change records somewhere (an index, a topic, a replica table).
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #write} is asynchronous and reports, per record, what failed ({@link BatchResult}); a Mono error
 *       means the whole batch failed (e.g. the server is unreachable). It never acknowledges records: the
 *       caller does, once a record is durably written — use
 *       {@link io.github.ddbstreams.operators.errors.ErrorHandling} for retries, bisect, the failure destination
 *       and acknowledgements.</li>
 *   <li>Writes are idempotent and order-aware: replaying an older change never overwrites a newer one.</li>
 *   <li>A sink bounds the writes it has in flight; callers bound theirs (e.g. ErrorHandling's concurrency),
 *       so backpressure reaches the stream and nothing is buffered without limit.</li>
 *   <li>{@link #disposeLater()} waits for the writes in flight, then closes what the sink created (never a
 *       client the user passed in).</li>
 * </ul>
 *
 * <pre>{@code
 * receiver.receive()
 *     .transform(Batching.batches(BatchOptions.builder().maxRecords(500).build()))
 *     .transform(ErrorHandling.process(errorOptions, sink::write))
 *     .subscribe();
 * }</pre>
 */
public interface ChangeSink {

    /**
     * Writes a batch. Records of one shard are written in batch order.
     *
     * @return which records failed, or an error when the whole batch did
     */
    Mono<BatchResult> write(RecordBatch batch);

    /** A short name for logs and meter tags (bounded: e.g. {@code opensearch}, {@code kafka}, {@code replica}). */
    String name();

    /** Completes once the writes in flight finished, after closing what the sink created. Lazy. */
    Mono<Void> disposeLater();

    /** {@code disposeLater().subscribe()}. */
    default void dispose() {
        disposeLater().subscribe();
    }
}
