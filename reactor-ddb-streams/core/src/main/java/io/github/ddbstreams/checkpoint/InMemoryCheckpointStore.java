package io.github.ddbstreams.checkpoint;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.github.ddbstreams.record.SequenceNumbers;
import reactor.core.publisher.Mono;

/**
 * A {@link CheckpointStore} in memory: lost when the JVM ends. Useful in tests, and to share checkpoints
 * between successive receivers in one process. Like {@link DynamoDbCheckpointStore}, a checkpoint never moves
 * back: one behind the stored checkpoint of its shard is not stored.
 */
public final class InMemoryCheckpointStore implements CheckpointStore {

    private final Map<String, Map<String, ShardCheckpoint>> streams = new ConcurrentHashMap<>();

    /** Creates an empty store. */
    public InMemoryCheckpointStore() {
    }

    @Override
    public Mono<Map<String, ShardCheckpoint>> load(String streamArn) {
        Objects.requireNonNull(streamArn, "streamArn");
        return Mono.fromSupplier(() -> Map.copyOf(streams.getOrDefault(streamArn, Map.of())));
    }

    @Override
    public Mono<Void> save(String streamArn, Collection<ShardCheckpoint> checkpoints) {
        Objects.requireNonNull(streamArn, "streamArn");
        Objects.requireNonNull(checkpoints, "checkpoints");
        return Mono.fromRunnable(() -> {
            Map<String, ShardCheckpoint> shards = streams.computeIfAbsent(streamArn, k -> new ConcurrentHashMap<>());
            for (ShardCheckpoint checkpoint : checkpoints) {
                shards.merge(checkpoint.shardId(), checkpoint, (stored, next) -> isBefore(next, stored) ? stored : next);
            }
        });
    }

    /** Whether {@code a} is an earlier position than {@code b} in one shard (a shard's end is after all of it). */
    static boolean isBefore(ShardCheckpoint a, ShardCheckpoint b) {
        if (a.ended() != b.ended()) {
            return b.ended();
        }
        if (a.sequenceNumber() == null || b.sequenceNumber() == null) {
            return a.sequenceNumber() == null && b.sequenceNumber() != null;
        }
        return SequenceNumbers.compare(a.sequenceNumber(), b.sequenceNumber()) < 0;
    }

    /** The checkpoints stored for a stream right now (a copy). */
    public Map<String, ShardCheckpoint> snapshot(String streamArn) {
        return Map.copyOf(streams.getOrDefault(streamArn, Map.of()));
    }

    @Override
    public String toString() {
        return "InMemoryCheckpointStore{streams=" + streams.keySet() + "}";
    }
}
