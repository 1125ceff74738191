package io.github.ddbstreams.receiver.internal;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.lease.internal.Lease;
import io.github.ddbstreams.lease.internal.LeaseCoordinator;
import io.github.ddbstreams.receiver.ReceiverOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Workers share the stream through leases: a shard starts when this worker holds its lease, which the
 * {@link LeaseCoordinator} takes only once the parent's lease ended (read to its end, every record
 * acknowledged and committed), and resumes after the lease's checkpoint.
 */
final class LeaseAssignment implements ShardAssignment {

    private static final Logger log = LoggerFactory.getLogger(LeaseAssignment.class);

    /** What a lease event does to the session. */
    interface Session {
        void post(Runnable task);

        /** Stops reading a shard (lease lost or handed over); returns its checkpointer, or null. */
        ShardCheckpointer stopShard(String shardId);

        CheckpointCommitter committer();
    }

    private final ReceiverOptions options;
    private final LeaseCoordinator coordinator;
    private final Session session;

    LeaseAssignment(ReceiverOptions options, String streamArn, Scheduler scheduler, Session session) {
        this.options = options;
        this.session = session;
        this.coordinator = new LeaseCoordinator(options.leases(), streamArn, scheduler, new LeaseCoordinator.Listener() {
            @Override
            public void acquired(Lease lease) {
                session.post(() -> { });
            }

            @Override
            public void lost(String shardId) {
                // At once, not on the loop: a commit() whose write just found the lease lost must not complete
                // as if it had stored the record's checkpoint.
                session.committer().forget(shardId);
                session.post(() -> session.stopShard(shardId));
            }

            @Override
            public void handoffRequested(String shardId) {
                session.post(() -> handOff(shardId));
            }
        });
    }

    /** The lease table as checkpoint store: writes are conditional on owning the lease. */
    CheckpointStore checkpointStore() {
        return coordinator.checkpointStore();
    }

    @Override
    public void start() {
        coordinator.start();
    }

    @Override
    public Decision decide(ShardPoller shard, ShardPoller parent) {
        Lease lease = coordinator.held(shard.shardId);
        if (lease == null) {
            return Decision.WAIT;
        }
        ShardCheckpoint checkpoint = lease.checkpoint() == null ? null : ShardCheckpoint.at(shard.shardId, lease.checkpoint());
        boolean ancestorRead = shard.parentShardId != null && coordinator.parentRead(shard.parentShardId);
        Decision decision = ShardAssignment.startOf(checkpoint, ancestorRead, shard.isClosed(), true, options);
        if (decision.kind() == Kind.END_UNREAD) {
            coordinator.endingUnread(shard.shardId);
        }
        return decision;
    }

    @Override
    public boolean mayEmit(ShardPoller shard) {
        return coordinator.provablyHeld(shard.shardId);
    }

    @Override
    public void discovered(Collection<ShardPoller> shards, Set<String> listed) {
        Map<String, List<String>> lineage = new LinkedHashMap<>();
        for (ShardPoller shard : shards) {
            lineage.put(shard.shardId, shard.parentShardId == null ? List.of() : List.of(shard.parentShardId));
        }
        coordinator.shardsDiscovered(lineage, listed);
    }

    @Override
    public void shardCompleted(ShardPoller shard) {
        // Children's leases are taken once this one is recorded ended: commit without waiting.
        session.committer().commit().subscribe(v -> { },
                e -> log.debug("Commit after the end of shard {} failed", shard.shardId, e));
    }

    @Override
    public boolean allRead(Collection<ShardPoller> shards) {
        return coordinator.allLeasesEnded();
    }

    @Override
    public void stop() {
        coordinator.stop();
    }

    @Override
    public Mono<Void> release() {
        return coordinator.releaseAll();
    }

    /** Another worker asked for this shard: stop reading, commit what was acknowledged, then hand it over. */
    private void handOff(String shardId) {
        ShardCheckpointer checkpointer = session.stopShard(shardId);
        CheckpointCommitter committer = session.committer();
        if (checkpointer != null) {
            // stopShard forgot it; commit it one last time before the lease changes hands
            committer.register(checkpointer);
        }
        committer.commit()
                .onErrorResume(e -> {
                    log.warn("Commit before handing over shard {} failed; the next owner may repeat records", shardId, e);
                    return Mono.empty();
                })
                .then(Mono.fromRunnable(() -> committer.forget(shardId)))
                .then(coordinator.handOff(shardId))
                .subscribe(v -> { }, e -> log.warn("Handing over shard {} failed; it will expire instead", shardId, e));
    }
}
