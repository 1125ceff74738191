package io.github.ddbstreams.migration;

import java.util.Objects;
import java.util.Optional;

import io.github.ddbstreams.checkpoint.ShardCheckpoint;

/**
 * Where one shard resumes after a KCL lease table import, and why.
 *
 * @param shardId the shard
 * @param position where the receiver starts it
 * @param sequenceNumber the KCL checkpoint the shard resumes after ({@link Position#AFTER_SEQUENCE_NUMBER} only)
 * @param reason what in the lease table (or the stream) led to this position, e.g. {@code "KCL checkpoint"}
 */
public record ShardResume(String shardId, Position position, String sequenceNumber, String reason) {

    /** Where a shard resumes. */
    public enum Position {
        /** Right after the KCL's checkpoint (a sequence number): nothing at or before it is delivered again. */
        AFTER_SEQUENCE_NUMBER,
        /** Read to its end by the KCL ({@code SHARD_END}, or cleaned up from the table): not read again. */
        FINISHED,
        /** Not started by the KCL, but a parent is known: read from its beginning once its parents are done. */
        FROM_BEGINNING,
        /** Not started by the KCL and no parent known: the receiver's {@code StartPosition} applies. */
        NOT_STARTED
    }

    public ShardResume {
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(reason, "reason");
        if ((position == Position.AFTER_SEQUENCE_NUMBER) != (sequenceNumber != null)) {
            throw new IllegalArgumentException("shard " + shardId + ": a sequenceNumber is required for, and only for, "
                    + Position.AFTER_SEQUENCE_NUMBER);
        }
    }

    /**
     * The checkpoint that makes the receiver start this shard where the plan says: after the sequence number,
     * or ended; empty for shards that start at their beginning or at the start position (no checkpoint).
     */
    public Optional<ShardCheckpoint> checkpoint() {
        switch (position) {
            case AFTER_SEQUENCE_NUMBER:
                return Optional.of(ShardCheckpoint.at(shardId, sequenceNumber));
            case FINISHED:
                return Optional.of(ShardCheckpoint.ended(shardId, null));
            default:
                return Optional.empty();
        }
    }

    /** One line for logs and dry runs, e.g. {@code shardId-1 → after 000000000000000000042 (KCL checkpoint)}. */
    public String describe() {
        String where;
        switch (position) {
            case AFTER_SEQUENCE_NUMBER:
                where = "after " + sequenceNumber;
                break;
            case FINISHED:
                where = "finished";
                break;
            case FROM_BEGINNING:
                where = "from its beginning";
                break;
            default:
                where = "at the receiver's start position";
                break;
        }
        return shardId + " → " + where + " (" + reason + ")";
    }
}
