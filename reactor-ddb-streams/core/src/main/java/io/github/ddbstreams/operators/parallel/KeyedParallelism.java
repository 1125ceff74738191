package io.github.ddbstreams.operators.parallel;

import java.util.Objects;
import java.util.function.Function;

import io.github.ddbstreams.record.ChangeRecord;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * Per-key parallelism, like Lambda's {@code ParallelizationFactor} but without its limit of 10: runs the work
 * of up to {@code concurrency} records at once, while two records with the same item key
 * ({@link ChangeRecord#itemKey()}) never run at the same time and run in stream order.
 *
 * <p><b>Keys.</b> The key alone decides (not the shard): after a shard split the same item is in the parent
 * and a child, which the receiver delivers parent first, so the order per item holds across the split. Keys
 * are compared in canonical form, as DynamoDB compares them: numbers by value ({@code 1}, {@code 1.0} and
 * {@code 10E-1} are one item, whichever form each request used), binary values by their bytes, in any
 * attribute order. Records without keys all share the empty key and run one at a time. A record whose keys
 * are no DynamoDB key (a value that is not S, N or B; never read from a stream) fails the Flux with an
 * {@link IllegalArgumentException} naming the attribute.
 *
 * <p><b>Output and acknowledgement.</b> Each record is acknowledged ({@code record.checkpoint().acknowledge()})
 * when its work completed, then emitted. Records of different keys complete, and are emitted, in any order:
 * the receiver's checkpoint is a watermark, so it advances only past records whose predecessors in the shard
 * were acknowledged too. A record whose work failed is never acknowledged.
 *
 * <p><b>Memory and demand.</b> At most {@code concurrency} works run at once, and the operator holds at most
 * {@code maxPending} records in all (running, waiting for their key or a slot, or done and waiting for
 * downstream demand); it requests from upstream only while below that. A slow consumer, slow work or one
 * hot key thus slows the reading down instead of buffering.
 *
 * <p><b>Errors.</b> An error from {@code work} (or {@code work} throwing or returning {@code null}) cancels
 * upstream and every running work, and fails the Flux at once; so does an upstream error. On completion the
 * Flux completes after every held record's work completed and the record was emitted.
 *
 * <p><b>Cancel and discard.</b> On cancel, and when the Flux fails, the running works are cancelled and every
 * record held is handed to the discard hook ({@link Flux#doOnDiscard}, placed after this operator). Records whose
 * work had not completed are not acknowledged (they are read again after a restart); records done and waiting
 * for downstream demand were acknowledged when their work completed. The operator is
 * {@link reactor.core.Scannable}: {@code BUFFERED} counts the records held, {@code PREFETCH} is
 * {@code maxPending}, {@code inners()} are the running works.
 *
 * <pre>{@code
 * receiver.receive()
 *     .transform(KeyedParallelism.process(64, record -> replica.write(record)))
 *     .subscribe(); // records arrive here acknowledged, once written
 * }</pre>
 */
public final class KeyedParallelism {

    /** The least default {@code maxPending}: 256 records. */
    public static final int MIN_DEFAULT_MAX_PENDING = 256;

    private KeyedParallelism() {
    }

    /**
     * Runs {@code work} for up to {@code concurrency} records at once, one record at a time and in stream
     * order per item key; holds at most {@code max(4 × concurrency, 256)} records.
     *
     * @param concurrency how many works may run at once, >= 1
     * @param work the processing of one record; the record is done when the Publisher completes
     * @return a function for {@link Flux#transform}, emitting each record once its work completed
     * @see #process(int, int, Function)
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeRecord>> process(int concurrency,
            Function<? super ChangeRecord, ? extends Publisher<?>> work) {
        requireConcurrency(concurrency);
        return process(concurrency, defaultMaxPending(concurrency), work);
    }

    /**
     * Runs {@code work} for up to {@code concurrency} records at once, one record at a time and in stream
     * order per item key; holds at most {@code maxPending} records (running, waiting, or done and not yet
     * requested downstream).
     *
     * <pre>{@code
     * flux.transform(KeyedParallelism.process(32, 1024, record -> index(record)))
     * }</pre>
     *
     * @param concurrency how many works may run at once, >= 1
     * @param maxPending how many records the operator may hold, >= concurrency
     * @param work the processing of one record; the record is done when the Publisher completes
     * @return a function for {@link Flux#transform}, emitting each record once its work completed
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeRecord>> process(int concurrency, int maxPending,
            Function<? super ChangeRecord, ? extends Publisher<?>> work) {
        requireConcurrency(concurrency);
        if (maxPending < concurrency) {
            throw new IllegalArgumentException("maxPending must be >= concurrency (" + concurrency + "), was "
                    + maxPending);
        }
        Objects.requireNonNull(work, "work");
        return flux -> new KeyedParallelismOperator(flux, concurrency, maxPending, work);
    }

    static int defaultMaxPending(int concurrency) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(4L * concurrency, MIN_DEFAULT_MAX_PENDING));
    }

    private static void requireConcurrency(int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
        }
    }
}
