package io.github.ddbstreams.receiver.internal;

import java.time.Instant;

import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;

/**
 * Where a shard's reading starts, as decided by its {@link ShardAssignment}.
 *
 * @param type the iterator type of the first GetShardIterator
 * @param sequenceNumber the checkpoint to resume after ({@code AFTER_SEQUENCE_NUMBER}), else {@code null}
 * @param skipBefore records created before this are read but not delivered (AT_TIMESTAMP), or {@code null}
 */
record ShardStart(ShardIteratorType type, String sequenceNumber, Instant skipBefore) {

    static ShardStart of(ShardIteratorType type, String sequenceNumber, Instant skipBefore) {
        return new ShardStart(type, sequenceNumber, skipBefore);
    }
}
