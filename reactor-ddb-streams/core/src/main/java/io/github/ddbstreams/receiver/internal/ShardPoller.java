package io.github.ddbstreams.receiver.internal;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StreamUnavailableException;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.SequenceNumbers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * The reading of one shard: its iterator, its GetRecords calls, the pauses between them, expired iterators
 * and trimmed data. The first step of the data path: GetRecords → records buffered here → {@link RecordEmitter}.
 *
 * <p>Confined to the session's serialized loop: responses and timers come back through {@link Host#post}.
 * At most one call is in flight and at most one page is buffered; a page is fetched only when the emitter
 * reports demand for this shard and the shard's unacknowledged records leave room for it. Each call holds one
 * of the session's {@link CallSlots} until its answer; without a free slot the call waits for a later
 * {@link #poll(long)}.
 */
final class ShardPoller {

    private static final Logger log = LoggerFactory.getLogger(ShardPoller.class);
    /** Beyond this many trimmed-data answers in a row with nothing read, the trimmed-data policy applies. */
    private static final int MAX_FRESH_AFTER_TRIM = 3;
    /** A shard held back by unacknowledged records this long is reported (WARN), then every 5 minutes. */
    static final long HELD_BACK_WARNING_MILLIS = 60_000;
    private static final long HELD_BACK_REPEAT_MILLIS = 300_000;

    /** What the poller needs from its session. */
    interface Host {
        /** Runs {@code task} on the session's loop. */
        void post(Runnable task);

        /** Ends the whole reading with {@code error}. */
        void fail(Throwable error);

        String streamArn();

        ReceiverMetrics metrics();

        /** Told of every failure retried (throttles, and the cause a startup timeout reports). */
        Faults.Observer observer();

        long nowMillis();

        /** The session's bound on calls in flight. */
        CallSlots callSlots();

        /**
         * Whether a full DescribeStream lists the shard; fails with a {@code StreamUnavailableException} when the
         * stream itself is gone.
         */
        Mono<Boolean> listsShard(String shardId);
    }

    enum State {
        /** Known, not started: waiting for the assignment policy (parents, lease). */
        WAITING,
        /** Not read: ended according to the checkpoint store, or closed before a LATEST start. */
        SKIPPED,
        /** Needs a GetShardIterator call and waits for a free call slot. */
        ITERATOR_NEEDED,
        /** GetShardIterator in flight. */
        ACQUIRING,
        /** Has an iterator, no call in flight. */
        IDLE,
        /** GetRecords in flight. */
        FETCHING,
        /** Waiting for the poll interval after an empty response. */
        PAUSED,
        /** The shard's last record was read (NextShardIterator null); some may still be buffered. */
        END_REACHED,
        /** Every record was delivered. */
        COMPLETE
    }

    final String shardId;
    final String parentShardId;
    /** Non-null once DescribeStream shows the shard closed. */
    String endingSequenceNumber;

    private final Host host;
    private final ReceiverOptions options;
    private final DynamoDbStreamsAsyncClient streams;

    State state = State.WAITING;
    /** True once reading started (not skipped): its children are read from their beginning. */
    boolean wasRead;
    /** Still listed by the last full DescribeStream. */
    boolean listed = true;

    ShardCheckpointer checkpointer;
    private ShardStart start;
    private String iterator;
    /** When the current iterator was obtained (loop clock). */
    private long iteratorAtMillis;
    /** Sequence number of the last record GetRecords returned (delivered or skipped). */
    private String lastSequenceRead;
    /** Records created before this instant are skipped (AT_TIMESTAMP start), until one passes. */
    private Instant skipBefore;

    final ArrayDeque<ChangeRecord> buffer = new ArrayDeque<>();
    /** Inputs of the iterator-age and behind-latest gauges, while the shard is read. */
    ReceiverMetrics.ShardGauge gauge;
    private long fetchStartNanos;
    /** When the next call may start ({@link io.github.ddbstreams.receiver.Pacing}). */
    private PollPacing pacing;
    /** When the call in flight started (scheduler nanos), and how many records it asked for. */
    private long callStartNanos;
    private int callLimit;
    /**
     * After a trimmed-data answer past a known position: that position, until the shard's TRIM_HORIZON shows
     * whether it still starts at or before it (nothing skipped) or after it (records may be lost). Else null.
     */
    private String verifyAfter;
    private Throwable verifyCause;
    /** Fresh TRIM_HORIZON iterators taken after trimmed-data answers with nothing read, since the last answer with records or none. */
    private int freshAfterTrim;
    /** Since when (loop clock) fetching waits for acknowledgements, or -1. */
    private long heldBackSinceMillis = -1;
    private long heldBackWarnedAtMillis = -1;
    private Disposable inFlight;
    /** True while the call in flight holds one of the session's call slots. */
    private boolean holdsSlot;
    private Disposable pauseTimer;

    ShardPoller(String shardId, String parentShardId, String endingSequenceNumber, Host host, ReceiverOptions options,
            DynamoDbStreamsAsyncClient streams) {
        this.shardId = shardId;
        this.parentShardId = parentShardId;
        this.endingSequenceNumber = endingSequenceNumber;
        this.host = host;
        this.options = options;
        this.streams = streams;
    }

    boolean isDone() {
        return state == State.SKIPPED || state == State.COMPLETE;
    }

    /** Done, and every record it delivered was acknowledged: its children may start. */
    boolean isSettled() {
        return state == State.SKIPPED || (state == State.COMPLETE && (checkpointer == null || checkpointer.isEnded()));
    }

    boolean isReading() {
        return state != State.WAITING && !isDone();
    }

    boolean isClosed() {
        return endingSequenceNumber != null;
    }

    /** Starts reading at {@code start}; records are tracked by {@code checkpointer}. */
    void start(ShardStart start, ShardCheckpointer checkpointer, ReceiverMetrics.ShardGauge gauge) {
        this.start = start;
        this.checkpointer = checkpointer;
        this.gauge = gauge;
        this.skipBefore = start.skipBefore();
        this.lastSequenceRead = null;
        this.pacing = PollPacing.of(options, nowNanos());
        this.heldBackSinceMillis = -1;
        this.wasRead = true;
        log.debug("Shard {} of {}: reading from {}", shardId, host.streamArn(), position());
        acquire();
    }

    /** Marks the shard read without reading it (ended in the store, or closed before a LATEST start). */
    void skip() {
        state = State.SKIPPED;
    }

    /** A closed shard before a LATEST start, read in lease mode: recorded as ended so its children follow. */
    void startEnded(ShardCheckpointer checkpointer, ReceiverMetrics.ShardGauge gauge) {
        this.checkpointer = checkpointer;
        this.gauge = gauge;
        endReached();
    }

    /**
     * Makes the next call this shard needs, if any and if a call slot is free: a GetShardIterator that waited
     * for a slot; GetRecords when idle with demand, an empty buffer and room for a page of unacknowledged
     * records; a keep-alive GetRecords for an idle LATEST shard whose iterator would otherwise expire with
     * nothing read (renewing it at LATEST would skip what was written meanwhile). True when a call started.
     */
    boolean poll(long demand) {
        if (state == State.ITERATOR_NEEDED) {
            return acquire();
        }
        if (state != State.IDLE || !buffer.isEmpty()) {
            return false;
        }
        if (demand > 0) {
            int max = options.maxUnacknowledgedPerShard();
            int room = Math.min(options.maxRecordsPerRequest(), max);
            if (!checkpointer.hasRoom(room, max)) {
                if (heldBackSinceMillis < 0) {
                    heldBackSinceMillis = host.nowMillis();
                }
                return false;
            }
            heldBackSinceMillis = -1;
            heldBackWarnedAtMillis = -1;
            return fetch();
        } else if (lastSequenceRead == null && start.type() == ShardIteratorType.LATEST
                && host.nowMillis() - iteratorAtMillis >= options.iteratorRefreshInterval().toMillis()) {
            log.debug("Shard {}: refreshing its LATEST iterator before it expires", shardId);
            return fetch();
        }
        return false;
    }

    /**
     * WARN when fetching has waited for acknowledgements for a minute (then every 5 minutes): a pipeline that
     * does not acknowledge what it drops stops here.
     */
    void warnIfHeldBack(long now) {
        long since = heldBackSinceMillis;
        if (since < 0 || now - since < HELD_BACK_WARNING_MILLIS
                || (heldBackWarnedAtMillis >= 0 && now - heldBackWarnedAtMillis < HELD_BACK_REPEAT_MILLIS)) {
            return;
        }
        heldBackWarnedAtMillis = now;
        long oldest = checkpointer.oldestUnacknowledgedMillis();
        log.warn("Shard {} of {} has not been read for {} s: {} records read are not acknowledged"
                + " (maxUnacknowledgedPerShard {}), the oldest for {} s. Acknowledge every record"
                + " (record.checkpoint().acknowledge()) once processed, also those a pipeline filters out", shardId,
                host.streamArn(), (now - since) / 1000, checkpointer.pendingCount(), options.maxUnacknowledgedPerShard(),
                oldest < 0 ? 0 : (now - oldest) / 1000);
    }

    /**
     * Cancels calls and timers and forgets buffered records (lease lost or given away, shutdown): they were never
     * delivered, so their checkpointer stops waiting for them.
     */
    void stop() {
        if (checkpointer != null && !buffer.isEmpty()) {
            checkpointer.untrackFrom(buffer.peekFirst().sequenceNumber());
        }
        if (inFlight != null) {
            inFlight.dispose();
            inFlight = null;
        }
        releaseSlot();
        if (pauseTimer != null) {
            pauseTimer.dispose();
            pauseTimer = null;
        }
        buffer.clear();
    }

    /** Back to {@link State#WAITING} after a lease was lost or handed over. */
    void reset() {
        stop();
        checkpointer = null;
        iterator = null;
        gauge = null;
        heldBackSinceMillis = -1;
        state = State.WAITING;
    }

    /** The end was read and every buffered record delivered. */
    boolean completeIfDrained() {
        if (state != State.END_REACHED || !buffer.isEmpty()) {
            return false;
        }
        state = State.COMPLETE;
        return true;
    }

    // ---------------------------------------------------------------- calls

    /** Takes a call slot, or returns false when none is free. */
    private boolean takeSlot() {
        if (!host.callSlots().tryAcquire()) {
            return false;
        }
        holdsSlot = true;
        return true;
    }

    /** Gives back the slot of the call that just ended (or was cancelled); a no-op without one. */
    private void releaseSlot() {
        if (holdsSlot) {
            holdsSlot = false;
            host.callSlots().release();
        }
    }

    /** Asks for an iterator now, or marks the shard {@link State#ITERATOR_NEEDED} when no call slot is free. */
    private boolean acquire() {
        iterator = null;
        if (!takeSlot()) {
            state = State.ITERATOR_NEEDED;
            return false;
        }
        state = State.ACQUIRING;
        ShardIteratorType type = lastSequenceRead != null ? ShardIteratorType.AFTER_SEQUENCE_NUMBER : start.type();
        String sequenceNumber = lastSequenceRead != null ? lastSequenceRead : start.sequenceNumber();
        String arn = host.streamArn();
        // suppressCancel: cancelling an SDK future mid-request only makes netty log an alarming WARN; a late
        // response is dropped by the state checks instead
        inFlight = Mono.fromFuture(() -> streams.getShardIterator(b -> b.streamArn(arn)
                        .shardId(shardId).shardIteratorType(type).sequenceNumber(sequenceNumber)
                        .overrideConfiguration(Faults.ONE_RETRY_LAYER)), true)
                .retryWhen(Faults.retry(options, "GetShardIterator " + shardId, host.observer()))
                .subscribe(response -> host.post(() -> onIterator(response.shardIterator())),
                        error -> host.post(() -> onCallError(error)));
        return true;
    }

    private void onIterator(String newIterator) {
        inFlight = null;
        releaseSlot();
        if (state != State.ACQUIRING) {
            return;
        }
        if (newIterator == null) {
            endReached();
            return;
        }
        setIterator(newIterator);
        state = State.IDLE;
    }

    private void setIterator(String newIterator) {
        iterator = newIterator;
        iteratorAtMillis = host.nowMillis();
    }

    /** Calls GetRecords if a call slot is free. */
    private boolean fetch() {
        if (!takeSlot()) {
            return false;
        }
        state = State.FETCHING;
        String current = iterator;
        int limit = Math.min(options.maxRecordsPerRequest(), options.maxUnacknowledgedPerShard());
        fetchStartNanos = System.nanoTime();
        callStartNanos = nowNanos();
        callLimit = limit;
        ReceiverMetrics metrics = host.metrics();
        inFlight = Mono.fromFuture(() -> {
                    metrics.getRecordsRequest();    // each attempt is a billed request
                    return streams.getRecords(b -> b.shardIterator(current).limit(limit)
                            .overrideConfiguration(Faults.ONE_RETRY_LAYER));
                }, true)
                .retryWhen(Faults.retry(options, "GetRecords " + shardId, host.observer()))
                .subscribe(response -> host.post(() -> onRecords(response)),
                        error -> host.post(() -> onCallError(error)));
        return true;
    }

    private void onRecords(GetRecordsResponse response) {
        inFlight = null;
        releaseSlot();
        if (state != State.FETCHING) {
            return;
        }
        ReceiverMetrics metrics = host.metrics();
        freshAfterTrim = 0;
        List<Record> records = response.records();
        if (verifyAfter != null && !records.isEmpty()
                && SequenceNumbers.compare(records.get(0).dynamodb().sequenceNumber(), verifyAfter) > 0
                && !trimmedAfterVerifying()) {
            return;
        }
        metrics.getRecordsLatency(System.nanoTime() - fetchStartNanos);
        long bytes = 0;
        long newestCreation = -1;
        String arn = host.streamArn();
        for (Record record : records) {
            Long size = record.dynamodb().sizeBytes();
            bytes += size == null ? 0 : size;
            Instant createdAt = record.dynamodb().approximateCreationDateTime();
            if (createdAt != null) {
                newestCreation = Math.max(newestCreation, createdAt.toEpochMilli());
            }
            String sequenceNumber = record.dynamodb().sequenceNumber();
            lastSequenceRead = sequenceNumber;
            if (verifyAfter != null) {
                if (SequenceNumbers.compare(sequenceNumber, verifyAfter) <= 0) {
                    continue;     // read before the trimmed-data answer
                }
                verifyAfter = null;
                verifyCause = null;
            }
            if (skipBefore != null) {
                if (createdAt != null && createdAt.isBefore(skipBefore)) {
                    checkpointer.skip(sequenceNumber);
                    continue;
                }
                skipBefore = null;
            }
            buffer.add(ChangeRecord.from(record, shardId, arn, checkpointer.track(sequenceNumber)));
        }
        if (records.isEmpty()) {
            metrics.emptyPoll();
            if (gauge != null) {
                gauge.caughtUpAtMillis = host.nowMillis();
                gauge.newestCreationMillis = -1;
            }
        } else {
            metrics.recordsReceived(records.size(), bytes);
            if (gauge != null && newestCreation >= 0) {
                gauge.newestCreationMillis = newestCreation;
            }
        }
        if (response.nextShardIterator() == null) {
            iterator = null;
            endReached();
        } else {
            setIterator(response.nextShardIterator());
            // a closed shard is read to its end at once; pollInterval zero never pauses (tests)
            long delay = (records.isEmpty() && isClosed()) || options.pollInterval().isZero() ? 0
                    : pacing.nextCallDelayNanos(callStartNanos, nowNanos(), records.size(), records.size() >= callLimit);
            if (delay > 0) {
                pause(delay);
            } else {
                state = State.IDLE;
            }
        }
    }

    private long nowNanos() {
        return options.scheduler().now(TimeUnit.NANOSECONDS);
    }

    private void pause(long nanos) {
        state = State.PAUSED;
        pauseTimer = options.scheduler().schedule(() -> host.post(() -> {
            pauseTimer = null;
            if (state == State.PAUSED) {
                state = State.IDLE;
            }
        }), nanos, TimeUnit.NANOSECONDS);
    }

    private void endReached() {
        if (verifyAfter != null && !trimmedAfterVerifying()) {
            return;
        }
        if (gauge != null) {
            gauge.caughtUpAtMillis = host.nowMillis();
            gauge.newestCreationMillis = -1;
        }
        state = State.END_REACHED;
        checkpointer.markEndReached();
    }

    private void onCallError(Throwable error) {
        inFlight = null;
        releaseSlot();
        if (state != State.ACQUIRING && state != State.FETCHING) {
            return;
        }
        String arn = host.streamArn();
        if (Faults.isExpiredIterator(error)) {
            host.metrics().iteratorExpired();
            log.debug("Iterator of shard {} expired; renewing at {}", shardId, position());
            acquire();
        } else if (Faults.isTrimmedData(error)) {
            onTrimmedData(error);
        } else if (Faults.isResourceNotFound(error)) {
            checkLeftTheStream(error);
        } else {
            host.fail(error);
        }
    }

    /**
     * ResourceNotFound for this shard. When the stream no longer lists it, the shard passed the 24-hour retention
     * before it was read to its end (a consumer down or behind for that long): the records after the position read
     * are gone, which the trimmed-data policy signals, and the shard is over (its children are read next). When
     * the stream still lists it, or is gone itself, the reading ends.
     */
    private void checkLeftTheStream(Throwable error) {
        State was = state;
        inFlight = host.listsShard(shardId).subscribe(listed -> host.post(() -> {
            inFlight = null;
            if (state != was) {
                return; // stopped meanwhile
            }
            if (listed) {
                host.fail(new StreamUnavailableException(StreamUnavailableException.Reason.STREAM_NOT_FOUND,
                        "Shard " + shardId + " of stream " + host.streamArn() + " was not found although the stream"
                                + " lists it", Faults.unwrap(error)));
                return;
            }
            String position = verifyAfter != null ? TrimmedData.after(verifyAfter) : position();
            verifyAfter = null;
            verifyCause = null;
            if (TrimmedData.signal(options, host.streamArn(), shardId, position, ": the shard left the stream",
                    Faults.unwrap(error), "reading its children", host::fail)) {
                endReached();
            }
        }), listingError -> host.post(() -> {
            inFlight = null;
            if (state == was) {
                host.fail(listingError);
            }
        }));
    }

    /**
     * Trimmed data. Where nothing can have been skipped a fresh iterator is taken: when the shard is read from
     * TRIM_HORIZON and nothing was read yet (DynamoDB Local answers TrimmedDataAccessException for the
     * TRIM_HORIZON iterator of an empty shard once any table of the server was written to), and when the
     * shard's TRIM_HORIZON still starts at or before the position read (checked by reading from there and
     * skipping what was read). Elsewhere the trimmed-data policy applies.
     */
    private void onTrimmedData(Throwable error) {
        String arn = host.streamArn();
        String after = lastSequenceRead != null ? lastSequenceRead
                : start.type() == ShardIteratorType.AFTER_SEQUENCE_NUMBER ? start.sequenceNumber() : null;
        if (after == null && start.type() == ShardIteratorType.TRIM_HORIZON && freshAfterTrim++ < MAX_FRESH_AFTER_TRIM) {
            log.debug("Shard {} of {}: trimmed-data answer before anything was read from TRIM_HORIZON;"
                    + " nothing was skipped, taking a fresh iterator", shardId, arn);
            acquire();
            return;
        }
        if (after != null && verifyAfter == null) {
            log.debug("Shard {} of {}: trimmed-data answer after {}; reading from TRIM_HORIZON to see whether"
                    + " anything was skipped", shardId, arn, after);
            verifyAfter = after;
            verifyCause = error;
            restartFromTrimHorizon();
            return;
        }
        String position = verifyAfter != null ? "AFTER_SEQUENCE_NUMBER " + verifyAfter : position();
        verifyAfter = null;
        verifyCause = null;
        if (applyTrimmedDataPolicy(position, error)) {
            restartFromTrimHorizon();
        }
    }

    /** TRIM_HORIZON starts after the position read: records in between may be lost. False when reading ends. */
    private boolean trimmedAfterVerifying() {
        String position = "AFTER_SEQUENCE_NUMBER " + verifyAfter;
        Throwable cause = verifyCause;
        verifyAfter = null;
        verifyCause = null;
        return applyTrimmedDataPolicy(position, cause);
    }

    /** Signals the trimmed data; true when the policy continues from TRIM_HORIZON, false when it failed the reading. */
    private boolean applyTrimmedDataPolicy(String position, Throwable error) {
        return TrimmedData.signal(options, host.streamArn(), shardId, position, "", Faults.unwrap(error),
                "continuing from TRIM_HORIZON", host::fail);
    }

    private void restartFromTrimHorizon() {
        lastSequenceRead = null;
        start = ShardStart.of(ShardIteratorType.TRIM_HORIZON, null, null);
        acquire();
    }

    String position() {
        if (lastSequenceRead != null) {
            return "AFTER_SEQUENCE_NUMBER " + lastSequenceRead;
        }
        if (start == null) {
            return "not started";
        }
        return start.sequenceNumber() == null ? String.valueOf(start.type()) : start.type() + " " + start.sequenceNumber();
    }

    @Override
    public String toString() {
        return shardId + "(" + state + ")";
    }
}
