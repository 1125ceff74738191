package io.github.ddbstreams.receiver.internal;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.github.ddbstreams.record.ChangeRecord;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.GroupedFlux;

/**
 * {@code receivePerShard()}: one {@link GroupedFlux} per shard, keyed by shard id.
 *
 * <p>Like Reactor's {@code groupBy}, a shard whose inner Flux is cancelled (say by {@code take(100)}) is not
 * abandoned: its next records open a fresh group for the same shard, so the shard, its checkpoint and its
 * children keep moving. Each group allows one subscriber.
 */
final class PerShardEmitter implements RecordEmitter {

    /** One emitted group: its subscriber once subscribed. */
    private static final class Group {
        FluxSink<ChangeRecord> sink;
        boolean cancelled;
    }

    private final FluxSink<GroupedFlux<String, ChangeRecord>> groups;
    private final Consumer<Runnable> post;
    private final ArrayDeque<ShardPoller> toEmit = new ArrayDeque<>();
    private final Map<ShardPoller, Group> open = new IdentityHashMap<>();
    private Runnable wake = () -> { };
    private boolean stopped;

    PerShardEmitter(FluxSink<GroupedFlux<String, ChangeRecord>> groups, Consumer<Runnable> post) {
        this.groups = groups;
        this.post = post;
    }

    @Override
    public void attach(Runnable wake, Runnable dispose) {
        this.wake = wake;
        groups.onRequest(n -> wake.run());
        groups.onDispose(dispose::run);
    }

    @Override
    public boolean emit(List<ShardPoller> reading) {
        boolean progress = false;
        for (ShardPoller shard : reading) {
            if (!shard.buffer.isEmpty() && !open.containsKey(shard) && !toEmit.contains(shard)) {
                toEmit.add(shard);     // its group was cancelled: records for a fresh one
            }
        }
        while (!toEmit.isEmpty() && groups.requestedFromDownstream() > 0 && !groups.isCancelled()) {
            ShardPoller shard = toEmit.poll();
            Group group = new Group();
            if (!shard.isDone()) {
                open.put(shard, group);    // else the group completes as soon as it is subscribed
            }
            groups.next(new ShardGroupedFlux(shard.shardId, Flux.create(
                    sink -> post.accept(() -> subscribed(shard, group, sink)), FluxSink.OverflowStrategy.BUFFER)));
            progress = true;
        }
        for (ShardPoller shard : reading) {
            Group group = open.get(shard);
            if (group == null || group.sink == null || group.cancelled) {
                continue;
            }
            long requested = group.sink.requestedFromDownstream();
            // a record handed to a cancelled group would be lost (and never acknowledged): check before each one,
            // as the subscriber may cancel from within onNext (take(n))
            while (requested > 0 && !group.sink.isCancelled() && !shard.buffer.isEmpty()) {
                group.sink.next(shard.buffer.poll());
                requested--;
                progress = true;
            }
        }
        return progress;
    }

    private void subscribed(ShardPoller shard, Group group, FluxSink<ChangeRecord> sink) {
        if (group.sink != null) {
            sink.error(new IllegalStateException("The Flux of shard " + shard.shardId + " allows only one subscriber"));
            return;
        }
        group.sink = sink;
        sink.onRequest(n -> wake.run());
        sink.onCancel(() -> post.accept(() -> cancelled(shard, group)));
        if (stopped || open.get(shard) != group) {
            sink.complete();     // the shard completed (or stopped) before its group was subscribed
        }
    }

    private void cancelled(ShardPoller shard, Group group) {
        group.cancelled = true;
        if (open.get(shard) == group) {
            open.remove(shard);
        }
    }

    @Override
    public long demand(ShardPoller shard) {
        Group group = open.get(shard);
        if (group == null) {
            // no group yet, or its group was cancelled: one page opens the next one
            return groups.isCancelled() || groups.requestedFromDownstream() <= 0 ? 0 : 1;
        }
        return group.sink == null || group.cancelled || group.sink.isCancelled() ? 0 : group.sink.requestedFromDownstream();
    }

    @Override
    public void shardStarted(ShardPoller shard) {
        toEmit.add(shard);
    }

    @Override
    public void shardCompleted(ShardPoller shard) {
        Group group = open.remove(shard);
        if (group != null && group.sink != null) {
            group.sink.complete();
        }
    }

    @Override
    public void shardStopped(ShardPoller shard) {
        toEmit.remove(shard);
        shardCompleted(shard);
    }

    @Override
    public void shutdown() {
        stopped = true;
        for (Group group : open.values()) {
            if (group.sink != null) {
                group.sink.complete();
            }
        }
        open.clear();
    }

    @Override
    public void complete() {
        groups.complete();
    }

    @Override
    public void error(Throwable error) {
        groups.error(error);
    }
}
