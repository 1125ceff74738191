package io.github.ddbstreams.receiver.internal;

import java.util.ArrayDeque;

import io.github.ddbstreams.record.ChangeRecord;
import reactor.core.Disposable;
import reactor.core.publisher.FluxSink;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;

/**
 * The reading state of one shard. Accessed only from the session's serialized drain loop.
 */
final class ShardReader {

    enum State {
        /** Known, waiting for its parent to be done. */
        WAITING,
        /** Not read: ended according to the checkpoint store, or closed before a LATEST start. */
        SKIPPED,
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

    State state = State.WAITING;
    /** True once reading started (not skipped): its children are read from their beginning. */
    boolean wasRead;

    ShardCheckpointer checkpointer;
    ShardIteratorType startType;
    String startSequenceNumber;
    String iterator;
    /** Sequence number of the last record GetRecords returned (delivered or skipped). */
    String lastSequenceRead;
    /** Records created before this instant are skipped (AT_TIMESTAMP start), until one passes. */
    java.time.Instant skipBefore;

    final ArrayDeque<ChangeRecord> buffer = new ArrayDeque<>();
    /** Inputs of the iterator-age and behind-latest gauges, while the shard is read. */
    ReceiverMetrics.ShardGauge gauge;
    long fetchStartNanos;
    /**
     * The pause after the next empty GetRecords response: minPollInterval after records, doubled by each empty
     * response up to pollInterval. -1 until set: a shard with nothing read yet pauses pollInterval.
     */
    long nextPauseNanos = -1;
    Disposable inFlight;
    Disposable pauseTimer;

    /** Per-shard mode: the subscriber of this shard's inner Flux, once subscribed. */
    FluxSink<ChangeRecord> groupSink;
    boolean groupCancelled;

    ShardReader(String shardId, String parentShardId, String endingSequenceNumber) {
        this.shardId = shardId;
        this.parentShardId = parentShardId;
        this.endingSequenceNumber = endingSequenceNumber;
    }

    boolean isDone() {
        return state == State.SKIPPED || state == State.COMPLETE;
    }

    boolean isClosed() {
        return endingSequenceNumber != null;
    }

    void cancelCalls() {
        if (inFlight != null) {
            inFlight.dispose();
            inFlight = null;
        }
        if (pauseTimer != null) {
            pauseTimer.dispose();
            pauseTimer = null;
        }
    }

    String position() {
        if (lastSequenceRead != null) {
            return "AFTER_SEQUENCE_NUMBER " + lastSequenceRead;
        }
        return startSequenceNumber == null ? String.valueOf(startType) : startType + " " + startSequenceNumber;
    }

    @Override
    public String toString() {
        return shardId + "(" + state + ")";
    }
}
