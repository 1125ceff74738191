package io.github.ddbstreams.receiver;

/**
 * A gap in a shard: the records after {@code position} were trimmed before the receiver read them.
 *
 * @param streamArn the stream
 * @param shardId the shard
 * @param position where the receiver wanted to continue: {@code AFTER_SEQUENCE_NUMBER 123}, or the
 *     iterator kind when it had no sequence number yet
 */
public record TrimmedDataEvent(String streamArn, String shardId, String position) {
}
