package io.github.ddbstreams.receiver.internal;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.receiver.ReceiverOptions;
import reactor.core.publisher.Mono;

/**
 * One worker reads every shard: a shard starts once its parent is settled (read to its end and every record
 * acknowledged, or ended in the store, or gone from the stream), from its stored checkpoint if any.
 */
final class SingleWorkerAssignment implements ShardAssignment {

    private final ReceiverOptions options;
    private final Map<String, ShardCheckpoint> stored;
    private final Consumer<ShardCheckpoint> leftTheStream;
    private boolean checkedStored;

    /**
     * {@code leftTheStream} is told, after the first complete listing, of each stored unfinished checkpoint whose
     * shard that listing no longer has (the shard passed the retention while no one read it).
     */
    SingleWorkerAssignment(ReceiverOptions options, Map<String, ShardCheckpoint> stored,
                           Consumer<ShardCheckpoint> leftTheStream) {
        this.options = options;
        this.stored = stored;
        this.leftTheStream = leftTheStream;
    }

    @Override
    public void start() {
    }

    @Override
    public Decision decide(ShardPoller shard, ShardPoller parent) {
        // A parent that no longer exists (trimmed, or forgotten once done) cannot be read: it must not block.
        if (parent != null && !parent.isSettled()) {
            return Decision.WAIT;
        }
        ShardCheckpoint checkpoint = stored.get(shard.shardId);
        if (checkpoint != null && checkpoint.ended()) {
            return Decision.SKIP;
        }
        boolean ancestorRead = shard.parentShardId != null
                && (stored.containsKey(shard.parentShardId) || (parent != null && parent.wasRead));
        return ShardAssignment.startOf(checkpoint, ancestorRead, shard.isClosed(), false, options);
    }

    @Override
    public void discovered(Collection<ShardPoller> shards, Set<String> listed) {
        if (listed == null || checkedStored) {
            return;
        }
        // Only the first complete listing: a checkpoint was stored before it, so its shard existed; later, a shard
        // that leaves the stream while known is found by its poller (ResourceNotFound) instead.
        checkedStored = true;
        for (ShardCheckpoint checkpoint : List.copyOf(stored.values())) {
            if (!checkpoint.ended() && !listed.contains(checkpoint.shardId())) {
                leftTheStream.accept(checkpoint);
            }
        }
    }

    @Override
    public void shardCompleted(ShardPoller shard) {
    }

    @Override
    public boolean allRead(Collection<ShardPoller> shards) {
        for (ShardPoller shard : shards) {
            if (!shard.isDone()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void stop() {
    }

    @Override
    public Mono<Void> release() {
        return Mono.empty();
    }
}
