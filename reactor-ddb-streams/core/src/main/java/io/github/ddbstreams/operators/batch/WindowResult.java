package io.github.ddbstreams.operators.batch;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import io.github.ddbstreams.record.RecordCheckpoint;

/**
 * The result of one tumbling window of one shard: where and when, how many records, and the accumulated
 * state. Emitted by {@link Windows#tumbling}.
 *
 * <pre>{@code
 * flux.transform(Windows.tumbling(options, HashMap<String, Long>::new, (sales, r) -> add(sales, r)))
 *     .subscribe(w -> log.info("{} {}..{}: {} records", w.shardId(), w.start(), w.end(), w.recordCount()));
 * }</pre>
 *
 * @param <S> the type of the accumulated state
 */
public final class WindowResult<S> {

    private final String shardId;
    private final Instant start;
    private final Instant end;
    private final long recordCount;
    private final boolean closedEarly;
    private final S state;
    private final List<RecordCheckpoint> checkpoints;

    WindowResult(String shardId, Instant start, Instant end, long recordCount, boolean closedEarly, S state,
            List<RecordCheckpoint> checkpoints) {
        this.shardId = shardId;
        this.start = start;
        this.end = end;
        this.recordCount = recordCount;
        this.closedEarly = closedEarly;
        this.state = state;
        this.checkpoints = checkpoints;
    }

    /** The shard whose records the window holds. */
    public String shardId() {
        return shardId;
    }

    /** The start of the window (inclusive), by the options' scheduler clock. */
    public Instant start() {
        return start;
    }

    /** The end of the window (exclusive), by the options' scheduler clock, even when it closed early. */
    public Instant end() {
        return end;
    }

    /** How many records the window holds (at least 1). */
    public long recordCount() {
        return recordCount;
    }

    /** Whether the window closed before its end: its shard ended (or its Flux completed or failed). */
    public boolean closedEarly() {
        return closedEarly;
    }

    /** The state accumulated over the window's records, in stream order. */
    public S state() {
        return state;
    }

    /**
     * Acknowledges every record of the window. Done automatically after emission unless
     * {@link WindowOptions#acknowledgeOnEmit()} is {@code false}. Idempotent.
     */
    public void acknowledge() {
        for (RecordCheckpoint checkpoint : checkpoints) {
            checkpoint.acknowledge();
        }
    }

    @Override
    public String toString() {
        return "WindowResult{shard=" + shardId + ", " + start + ".." + end + ", records=" + recordCount
                + (closedEarly ? ", closedEarly" : "") + "}";
    }

    static <S> WindowResult<S> of(String shardId, long startMillis, long endMillis, long count, boolean closedEarly,
            S state, List<RecordCheckpoint> checkpoints) {
        return new WindowResult<>(Objects.requireNonNull(shardId, "shardId"), Instant.ofEpochMilli(startMillis),
                Instant.ofEpochMilli(endMillis), count, closedEarly, state, checkpoints);
    }
}
