package io.github.ddbstreams.operators.errors;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.github.ddbstreams.internal.Retries;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions.RecordAgeBasis;
import io.github.ddbstreams.operators.errors.FailedRecord.Reason;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Processes one batch to its end: every record either processed or given up (stored in the failure destination),
 * and acknowledged. A state machine stepped one {@link #step()} at a time (each step subscribed after the
 * previous one completed), so its fields need no synchronization (but {@link #start}, which
 * {@link #unfinished()} reads from any thread); memory is a few words per record.
 *
 * <p>What remains is always the range {@code [start, n)} of the batch. With bisection, {@code [start,
 * failingEnd)} is a range known to fail (observed, or inferred because its first half succeeded after the whole
 * failed); the next call covers its first half, or the single record when it is one record long.
 */
final class BatchProcessor {

    private static final Logger log = LoggerFactory.getLogger(BatchProcessor.class);

    /** What a call of the work gave: a result or an error. */
    private record Outcome(BatchResult result, Throwable error) {
    }

    private final RecordBatch batch;
    private final List<ChangeRecord> records;
    private final int n;
    private final Function<RecordBatch, Mono<BatchResult>> work;
    private final ErrorHandlingOptions options;
    private final ErrorHandlingMetrics metrics;
    private final FailureDestination destination;
    private final long seenAt;
    private final long maxRecordAgeMillis;

    private final int[] attempts;
    private final long[] firstAttemptAt;
    private final Throwable[] lastError;
    /** Whether the record was in a multi-record range that failed (so failing alone makes it a poison record). */
    private final boolean[] inFailedRange;

    /** Written by the steps only; volatile for {@link #unfinished()}. */
    private volatile int start;
    private int failingEnd = -1;
    private Duration pendingDelay;
    private final List<BatchResult.RecordFailure> givenUp = new ArrayList<>(0);

    BatchProcessor(RecordBatch batch, Function<RecordBatch, Mono<BatchResult>> work, ErrorHandlingOptions options,
            ErrorHandlingMetrics metrics, long seenAt) {
        this.batch = batch;
        this.records = batch.records();
        this.n = records.size();
        this.work = work;
        this.options = options;
        this.metrics = metrics;
        this.destination = options.failureDestination().orElse(null);
        this.seenAt = seenAt;
        this.maxRecordAgeMillis = options.maxRecordAge().map(Duration::toMillis).orElse(-1L);
        this.attempts = new int[n];
        this.firstAttemptAt = new long[n];
        Arrays.fill(firstAttemptAt, -1L);
        this.lastError = new Throwable[n];
        this.inFailedRange = new boolean[n];
    }

    Mono<BatchResult> process() {
        if (n == 0) {
            return Mono.just(BatchResult.success(batch));
        }
        // repeat() resubscribes iteratively (no stack or chain growth however many retries)
        return Mono.defer(this::step)
                .repeat(() -> start < n)
                .then(Mono.fromCallable(() -> givenUp.isEmpty() ? BatchResult.success(batch) : BatchResult.of(batch, givenUp)))
                .doFinally(signal -> metrics.notFailing(this));
    }

    /**
     * The records not yet processed nor given up, hence not acknowledged: what is dropped when the processing
     * stops before its end (cancelled, or failed). Safe to call from any thread.
     */
    List<ChangeRecord> unfinished() {
        return records.subList(start, n);
    }

    private long now() {
        return options.scheduler().now(TimeUnit.MILLISECONDS);
    }

    private Mono<Void> step() {
        if (pendingDelay != null) {
            Duration delay = pendingDelay;
            pendingDelay = null;
            return Mono.delay(delay, options.scheduler()).then();
        }
        long now = now();
        if (maxRecordAgeMillis >= 0) {
            int expiredEnd = start;
            while (expiredEnd < n && isExpired(records.get(expiredEnd), now)) {
                expiredEnd++;
            }
            if (expiredEnd > start) {
                return giveUp(start, expiredEnd, Reason.MAX_AGE_EXCEEDED, now);
            }
        }
        int from = start;
        int to = windowEnd();
        for (int i = from; i < to; i++) {
            if (firstAttemptAt[i] < 0) {
                firstAttemptAt[i] = now;
            }
        }
        RecordBatch window = from == 0 && to == n ? batch : batch.subBatch(from, to);
        return Mono.defer(() -> work.apply(window))
                .map(result -> new Outcome(result, null))
                .onErrorResume(error -> Mono.just(new Outcome(null, error)))
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("The work completed without a BatchResult for "
                        + window + ": it must emit BatchResult.success(batch), BatchResult.of(batch, failures) or an error")))
                .flatMap(outcome -> handle(window, from, to, outcome));
    }

    private boolean isExpired(ChangeRecord record, long now) {
        Instant created = record.approximateCreationTime();
        long since = options.recordAgeBasis() == RecordAgeBasis.CREATION_TIME && created != null
                ? created.toEpochMilli() : seenAt;
        return now - since > maxRecordAgeMillis;
    }

    /** The end of the next call's range. */
    private int windowEnd() {
        if (failingEnd > start) {
            int length = failingEnd - start;
            return length == 1 ? failingEnd : start + length / 2;
        }
        return n;
    }

    private Mono<Void> handle(RecordBatch window, int from, int to, Outcome outcome) {
        if (outcome.error() == null) {
            BatchResult result = outcome.result();
            if (!result.batch().equals(window)) {
                return Mono.error(new IllegalStateException("The work returned " + result + " for " + window
                        + ": a BatchResult must be about the batch it was given"));
            }
            int firstFailure = result.firstFailureIndex();
            acknowledge(from, from + firstFailure);
            if (result.isSuccess()) {
                // the second half of a failing range is known to fail: failingEnd stays, it is split next
                if (failingEnd <= start) {
                    failingEnd = -1;
                }
                return Mono.empty();
            }
            // ReportBatchItemFailures: retry from the first failed record to the end of the batch
            failingEnd = -1;
            return failed(start, start + 1, result.failures().get(0).error(), Reason.RETRIES_EXHAUSTED);
        }
        Throwable error = outcome.error();
        if (options.bisectOnError() && to - from > 1) {
            Arrays.fill(inFailedRange, from, to, true);
            failingEnd = to;
            if (log.isDebugEnabled()) {
                log.debug("[{}] {} failed, bisecting: {}", options.name(), window, error.toString());
            }
            return Mono.empty();
        }
        Reason reason = Reason.RETRIES_EXHAUSTED;
        if (options.bisectOnError()) {
            failingEnd = from + 1; // keep retrying the single record alone
            if (inFailedRange[from]) {
                reason = Reason.POISON_RECORD;
            }
        }
        return failed(from, to, error, reason);
    }

    private void acknowledge(int from, int to) {
        for (int i = from; i < to; i++) {
            records.get(i).checkpoint().acknowledge();
        }
        if (to > from) {
            start = to;
            metrics.notFailing(this);
        }
    }

    /** A failed attempt of the records {@code [from, to)}: give up the exhausted ones or schedule a retry. */
    private Mono<Void> failed(int from, int to, Throwable error, Reason reason) {
        for (int i = from; i < to; i++) {
            attempts[i]++;
            lastError[i] = error;
        }
        metrics.failingSince(this, firstAttemptAt[from]);
        // an error not worth retrying (e.g. a validation error) gives the records up at once
        boolean permanent = !options.retryable().test(error);
        int exhaustedEnd = from;
        while (exhaustedEnd < to && (permanent || attempts[exhaustedEnd] >= options.maxAttempts())) {
            exhaustedEnd++;
        }
        if (exhaustedEnd < to) {
            int attempt = attempts[exhaustedEnd];
            pendingDelay = backoff(attempt);
            metrics.retried(to - exhaustedEnd);
            logRetry(exhaustedEnd, to, attempt, error);
        }
        return exhaustedEnd > from ? giveUp(from, exhaustedEnd, reason, now()) : Mono.empty();
    }

    private void logRetry(int from, int to, int attempt, Throwable error) {
        ChangeRecord record = records.get(from);
        if (attempt % options.attemptsPerWarning() == 0) {
            log.warn("[{}] Record {} of shard {} (and {} after it) failed {} of {} attempts since {}, retrying in {} ms: {}"
                            + " (the full error is logged at DEBUG)",
                    options.name(), record.sequenceNumber(), record.shardId(), to - from - 1, attempt,
                    maxAttemptsText(), Instant.ofEpochMilli(firstAttemptAt[from]), pendingDelay.toMillis(),
                    error.getClass().getName());
        }
        if (log.isDebugEnabled()) {
            log.debug("[{}] Record {} of shard {} failed attempt {}, retrying in {} ms", options.name(),
                    record.sequenceNumber(), record.shardId(), attempt, pendingDelay.toMillis(), error);
        }
    }

    private String maxAttemptsText() {
        return options.maxAttempts() == Integer.MAX_VALUE ? "unlimited" : Integer.toString(options.maxAttempts());
    }

    /**
     * The backoff after {@code attempt} failed attempts: {@code retryBackoff · 2^(attempt-1)} capped at
     * {@code maxRetryBackoff}, randomized by ± jitter within [retryBackoff, maxRetryBackoff], the same rule as
     * {@link Retry#backoff}.
     */
    Duration backoff(int attempt) {
        long min = options.retryBackoff().toMillis();
        long max = options.maxRetryBackoff().toMillis();
        int shift = Math.min(attempt - 1, 62);
        long base = min == 0 ? 0 : (shift >= Long.numberOfLeadingZeros(min) - 1 ? max : Math.min(max, min << shift));
        long spread = (long) (base * options.retryJitter());
        long low = Math.max(min, base - spread);
        long high = Math.min(max, base + spread);
        long delay = high > low ? ThreadLocalRandom.current().nextLong(low, high + 1) : base;
        return Duration.ofMillis(delay);
    }

    /** Sends {@code [from, to)} to the destination, then acknowledges them; or fails. */
    private Mono<Void> giveUp(int from, int to, Reason reason, long now) {
        Instant failedAt = Instant.ofEpochMilli(now);
        List<FailedRecord> failures = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            failures.add(new FailedRecord(records.get(i), reason, lastError[i], attempts[i],
                    firstAttemptAt[i] < 0 ? null : Instant.ofEpochMilli(firstAttemptAt[i]), failedAt));
        }
        FailedRecord first = failures.get(0);
        if (destination == null) {
            return Mono.error(new FailedRecordException("[" + options.name() + "] Gave up record " + describe(first)
                    + " and no failureDestination is set, so the Flux fails rather than skip it"
                    + (failures.size() > 1 ? " (with " + (failures.size() - 1) + " records after it)" : ""), first));
        }
        List<FailedRecord> toSend = List.copyOf(failures);
        return Mono.defer(() -> destination.send(toSend))
                .retryWhen(Retries.backoff(options.retry().toBuilder()
                                .maxRetries(options.destinationMaxAttempts() - 1L).build(), options.scheduler())
                        .doBeforeRetry(signal -> log.warn("[{}] Writing {} failed records (from {}) to the failure "
                                        + "destination failed (attempt {} of {}), retrying: {}", options.name(),
                                toSend.size(), describe(first), signal.totalRetries() + 1,
                                options.destinationMaxAttempts(), signal.failure().getClass().getName()))
                        .onRetryExhaustedThrow((spec, signal) -> new FailedRecordException("[" + options.name()
                                + "] Could not write record " + describe(first)
                                + (toSend.size() > 1 ? " and " + (toSend.size() - 1) + " records after it" : "")
                                + " to the failure destination in " + options.destinationMaxAttempts()
                                + " attempts; the records are not acknowledged", first, signal.failure())))
                .then(Mono.fromRunnable(() -> {
                    for (FailedRecord failed : toSend) {
                        failed.record().checkpoint().acknowledge();
                        givenUp.add(new BatchResult.RecordFailure(failed.record(), new FailedRecordException(
                                "Gave up record " + describe(failed) + " and stored it in the failure destination",
                                failed)));
                    }
                    start = to;
                    if (failingEnd <= start) {
                        failingEnd = -1;
                    }
                    metrics.notFailing(this);
                    metrics.givenUp(reason, toSend.size());
                    log.warn("[{}] Stored {} given-up records in the failure destination, first {}", options.name(),
                            toSend.size(), describe(first));
                }));
    }

    private String describe(FailedRecord failed) {
        ChangeRecord record = failed.record();
        return "sequenceNumber=" + record.sequenceNumber() + " of shard " + record.shardId() + " (stream "
                + record.streamArn() + ", reason " + failed.reason() + ", " + failed.attempts() + " attempts"
                + (failed.error() != null ? ", last error " + failed.error().getClass().getName() : "") + ")";
    }
}
