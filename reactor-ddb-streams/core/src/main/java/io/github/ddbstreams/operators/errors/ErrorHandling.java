package io.github.ddbstreams.operators.errors;

import java.util.Objects;
import java.util.function.Function;

import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs a user function or a sink over {@link RecordBatch}es with retries, bisection of failing batches, a
 * maximum record age and a failure destination, like Lambda's event source mapping for DynamoDB streams, and
 * acknowledges every record once it is processed or stored in the destination.
 *
 * <p><b>Semantics</b> (per batch; see {@link ErrorHandlingOptions} for the knobs):
 * <ul>
 *   <li>The work succeeds for the whole batch: every record is acknowledged, the batch's result is emitted.</li>
 *   <li>The work returns a {@link BatchResult} with failures (Lambda's {@code ReportBatchItemFailures}): the
 *       records before the first failed one are acknowledged at once; after a backoff, the work is called
 *       again from the first failed record to the end of the batch. Only the first failed record counts an
 *       attempt (the later ones may not have been tried).</li>
 *   <li>The work fails (an error signal) without bisection: every record of the call counts an attempt and
 *       the call is retried after a backoff of {@code retryBackoff · 2^(attempt-1)} (at most
 *       {@code maxRetryBackoff}, ± jitter).</li>
 *   <li>The work fails with {@link ErrorHandlingOptions#bisectOnError() bisection}: the failing range is split
 *       in halves at once, without backoff and without counting attempts; the first half is called first. When
 *       a first half succeeds, its second half is known to fail and is split again without being called.
 *       Only a single record that fails alone counts attempts, is retried with backoff and, when its attempts
 *       are exhausted, is given up with reason {@link FailedRecord.Reason#POISON_RECORD}. After it, the rest of
 *       the batch is called as one range again. One poison record in a batch of {@code n} has failed alone after at
 *       most {@code 2 + ⌈log2 n⌉} calls, and the whole batch is done in at most
 *       {@code 3 + ⌈log2 n⌉ + (maxAttempts − 1)} calls (9 and 12 for n = 100 and 3 attempts).</li>
 *   <li>A record that used {@code maxAttempts} attempts, or is older than {@code maxRecordAge} before an
 *       attempt, is given up: sent as a {@link FailedRecord} (the full record, reason, last error, attempts,
 *       timestamps) to the {@link FailureDestination} and acknowledged only once the destination stored it.
 *       A failing destination write is retried ({@code destinationMaxAttempts}, same backoff); when it keeps
 *       failing, or without a destination, the Flux fails with a {@link FailedRecordException} naming the
 *       record's shard and sequence number, and the record is not acknowledged. Nothing is skipped silently.</li>
 * </ul>
 *
 * <p><b>Order and concurrency</b>: batches of one shard are processed one at a time in arrival order (a batch
 * waits until the previous batch of any of its shards is done), so writes of a shard are never reordered;
 * batches of different shards run concurrently, up to {@link ErrorHandlingOptions#concurrency()}. The output
 * holds one {@link BatchResult} per input batch, emitted when the batch is done; its
 * {@link BatchResult#failures()} are the records given up (already stored in the destination and
 * acknowledged), each with a {@link FailedRecordException} as error. Results of one shard come in order.
 *
 * <p><b>Memory</b>: at most {@code concurrency} batches are taken from upstream and held at a time, each with
 * a few words of state per record. <b>Visibility</b>: a record failing for a long time is logged at WARN
 * (shard and sequence number, never item contents) every {@code attemptsPerWarning} attempts and shows in the
 * {@code ddb.streams.errors.retrying.duration.max} gauge when a meter registry is set.
 *
 * <p><b>Cancel and discard</b>: when the Flux is cancelled, or fails, each batch in flight (being processed,
 * waiting to retry, or waiting for the previous batch of its shard) stops, and its records not yet acknowledged
 * are handed to the discard hook ({@link Flux#doOnDiscard}, placed after this operator); they are read again
 * after a restart. Records already processed or stored in the destination were acknowledged and are not
 * discarded.
 *
 * <pre>{@code
 * receiver.receive()
 *     .buffer(100).map(RecordBatch::of)
 *     .transform(ErrorHandling.process(options, batch -> openSearchSink.write(batch)))
 *     .subscribe();
 * }</pre>
 */
public final class ErrorHandling {

    private ErrorHandling() {
    }

    /**
     * An operator calling {@code work} for each batch (or a part of it, when retrying or bisecting) with the
     * error handling described in the class documentation. {@code work} must emit one {@link BatchResult} for
     * the batch it was given ({@link BatchResult#success(RecordBatch)} or {@link BatchResult#of} with the failed
     * records) or fail; it may be called many times for the same records (at-least-once).
     *
     * <pre>{@code
     * Flux<BatchResult> results = batches.transform(ErrorHandling.process(options, sink::write));
     * }</pre>
     *
     * @throws IllegalStateException in the Flux if {@code work} completes empty or returns a result about
     *     another batch (a programming error, not retried)
     */
    public static Function<Flux<RecordBatch>, Flux<BatchResult>> process(ErrorHandlingOptions options,
            Function<RecordBatch, Mono<BatchResult>> work) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(work, "work");
        return new ErrorHandlingOperator(options, work);
    }

    /**
     * Like {@link #process}, for work that succeeds or fails for the whole batch: completing means every
     * record was processed, an error means none was.
     *
     * <pre>{@code
     * batches.transform(ErrorHandling.run(options, batch -> indexAll(batch.records())))
     * }</pre>
     */
    public static Function<Flux<RecordBatch>, Flux<BatchResult>> run(ErrorHandlingOptions options,
            Function<RecordBatch, Mono<Void>> work) {
        Objects.requireNonNull(work, "work");
        return process(options, batch -> Mono.defer(() -> work.apply(batch)).then(Mono.fromCallable(() -> BatchResult.success(batch))));
    }
}
