package io.github.ddbstreams.checkpoint;

import java.util.Objects;

import io.github.ddbstreams.record.SequenceNumbers;

/**
 * The committed position of one shard: the sequence number of the last record processed (every record
 * at or below it was acknowledged), and whether the shard was read to its end.
 *
 * @param shardId the shard
 * @param sequenceNumber the last processed sequence number, or {@code null} when no record was processed
 *     yet (only meaningful together with {@code ended})
 * @param ended whether the shard was read to its end and every record of it was acknowledged
 */
public record ShardCheckpoint(String shardId, String sequenceNumber, boolean ended) {

    public ShardCheckpoint {
        Objects.requireNonNull(shardId, "shardId");
        if (shardId.isEmpty()) {
            throw new IllegalArgumentException("shardId must not be empty");
        }
        if (sequenceNumber != null) {
            SequenceNumbers.requireValid(sequenceNumber, "sequenceNumber");
        }
        if (sequenceNumber == null && !ended) {
            throw new IllegalArgumentException("a checkpoint of shard " + shardId
                    + " needs a sequenceNumber unless the shard ended");
        }
    }

    /** A checkpoint after {@code sequenceNumber} in a shard still being read. */
    public static ShardCheckpoint at(String shardId, String sequenceNumber) {
        return new ShardCheckpoint(shardId, Objects.requireNonNull(sequenceNumber, "sequenceNumber"), false);
    }

    /** The checkpoint of a shard read to its end; {@code lastSequenceNumber} may be null for an empty shard. */
    public static ShardCheckpoint ended(String shardId, String lastSequenceNumber) {
        return new ShardCheckpoint(shardId, lastSequenceNumber, true);
    }
}
