package io.github.ddbstreams.receiver;

import java.time.Instant;
import java.util.Objects;

/**
 * Where a receiver starts reading the shards for which its {@link io.github.ddbstreams.checkpoint.CheckpointStore}
 * holds no checkpoint. A shard with a checkpoint always resumes right after it.
 *
 * <ul>
 *   <li>{@link #trimHorizon()}: the oldest record still in the stream (up to 24 hours back).</li>
 *   <li>{@link #latest()}: only changes made after the receiver starts; closed shards are skipped.</li>
 *   <li>{@link #atTimestamp(Instant)}: reads from the oldest record and skips, without delivering them, the
 *       records created before the instant (DynamoDB Streams has no timestamp iterator).</li>
 * </ul>
 * Shards whose parent this receiver (or its checkpoint store) has read are always read from their
 * beginning, so a split never loses records.
 *
 * <pre>{@code
 * ReceiverOptions.builder().tableName("Orders").startPosition(StartPosition.latest()).build();
 * }</pre>
 */
public final class StartPosition {

    /** The kinds of start positions. */
    public enum Kind {
        TRIM_HORIZON, LATEST, AT_TIMESTAMP
    }

    private static final StartPosition TRIM_HORIZON = new StartPosition(Kind.TRIM_HORIZON, null);
    private static final StartPosition LATEST = new StartPosition(Kind.LATEST, null);

    private final Kind kind;
    private final Instant timestamp;

    private StartPosition(Kind kind, Instant timestamp) {
        this.kind = kind;
        this.timestamp = timestamp;
    }

    /** From the oldest record still in the stream. */
    public static StartPosition trimHorizon() {
        return TRIM_HORIZON;
    }

    /** From the newest end of the open shards: only changes made from now on. */
    public static StartPosition latest() {
        return LATEST;
    }

    /**
     * From the first record created at or after {@code timestamp}, compared at the precision of
     * {@link ReceiverOptions#creationTimePrecision()}; earlier records are read and skipped, never delivered.
     */
    public static StartPosition atTimestamp(Instant timestamp) {
        return new StartPosition(Kind.AT_TIMESTAMP, Objects.requireNonNull(timestamp, "timestamp"));
    }

    /** The kind of this position. */
    public Kind kind() {
        return kind;
    }

    /** The instant of an {@link Kind#AT_TIMESTAMP} position, else {@code null}. */
    public Instant timestamp() {
        return timestamp;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StartPosition && ((StartPosition) o).kind == kind
                && Objects.equals(((StartPosition) o).timestamp, timestamp);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, timestamp);
    }

    @Override
    public String toString() {
        return timestamp == null ? kind.name() : kind + "(" + timestamp + ")";
    }
}
