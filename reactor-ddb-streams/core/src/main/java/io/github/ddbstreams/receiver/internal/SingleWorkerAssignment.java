package io.github.ddbstreams.receiver.internal;

import java.util.Collection;
import java.util.Set;
import java.util.Map;

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

    SingleWorkerAssignment(ReceiverOptions options, Map<String, ShardCheckpoint> stored) {
        this.options = options;
        this.stored = stored;
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
