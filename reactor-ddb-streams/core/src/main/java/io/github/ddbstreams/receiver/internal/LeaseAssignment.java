package io.github.ddbstreams.receiver.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.lease.internal.Lease;
import io.github.ddbstreams.lease.internal.LeaseCoordinator;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.TrimmedDataException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;

/**
 * Workers share the stream through leases: a shard starts when this worker holds its lease, which the
 * {@link LeaseCoordinator} takes only once the parent's lease ended (read to its end, every record
 * acknowledged and committed), and resumes after the lease's checkpoint.
 *
 * <p>A lease given away (handed off to the worker that asked, or released when the session stops) is drained
 * first: the shard stops being fetched and emitted, the records already emitted are waited for (at most
 * {@link io.github.ddbstreams.lease.LeaseOptions#drainTimeout() drainTimeout}, while the lease keeps being
 * renewed), their checkpoint is committed, and only then does the lease change hands. So for a graceful hand-off
 * the next owner's first delivery comes after the old owner's last acknowledgement.
 */
final class LeaseAssignment implements ShardAssignment {

    private static final Logger log = LoggerFactory.getLogger(LeaseAssignment.class);

    /** What a lease event does to the session. */
    interface Session {
        void post(Runnable task);

        /** Stops reading a shard and committing it (lease lost). */
        void stopShard(String shardId);

        /**
         * Stops reading a shard whose lease is given away, still committing it; returns its checkpointer (also of a
         * shard read to its end with records not yet acknowledged), or null.
         */
        ShardCheckpointer stopReading(String shardId);

        CheckpointCommitter committer();

        /** Ends the receiver with an error. */
        void fail(Throwable error);

        /** Runs the next periodic discovery after {@code delay}, then every shardDiscoveryInterval as before. */
        void discoverIn(Duration delay);

        /** Discovers the shards now (the describer lists the stream, the others learn them from the leases). */
        void discover();

        /** Whether the session knows the shard (it may hold a lease of a shard learned since its last discovery). */
        boolean knowsShard(String shardId);

        /** Shards learned from the lease table outside a discovery (a lease taken of a shard the session did not know). */
        void learned(ShardDiscovery.Listing listing);
    }

    private final ReceiverOptions options;
    private final LeaseCoordinator coordinator;
    private final Session session;
    private final Scheduler scheduler;
    private final String streamArn;
    /** Whether the coordinator's first election is over: the session's discovery waits for it. */
    private volatile boolean elected;
    /** When this worker became the describer at its first election: how long until it lists the stream. */
    private volatile Duration firstListingIn;

    LeaseAssignment(ReceiverOptions options, String streamArn, Scheduler scheduler, Session session) {
        this.options = options;
        this.session = session;
        this.scheduler = scheduler;
        this.streamArn = streamArn;
        this.coordinator = new LeaseCoordinator(options.leases(), streamArn, scheduler, new LeaseCoordinator.Listener() {
            @Override
            public void acquired(Lease lease) {
                // A lease of a shard this session does not know yet (the describer created it after this worker's
                // last discovery): learned from the lease table at once, not at the next discovery tick.
                session.post(() -> {
                    if (elected && !session.knowsShard(lease.shardId())) {
                        session.learned(leaseListing());
                    }
                });
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

            @Override
            public void leftTheStream(Lease lease) {
                session.post(() -> settleTrimmed(lease));
            }

            @Override
            public void becameDescriber(Duration lastListingAge) {
                // The previous describer may have stopped listing any time in its interval: list once an interval
                // has passed since the last listing known (at once when unknown), not at this worker's own next
                // discovery tick, which may be up to an interval later (or sooner than an interval after it).
                Duration interval = options.shardDiscoveryInterval();
                Duration delay = lastListingAge == null || lastListingAge.compareTo(interval) >= 0 ? Duration.ZERO
                        : interval.minus(lastListingAge);
                if (!elected) {
                    firstListingIn = delay; // after the first discovery, see elected()
                    return;
                }
                session.post(() -> session.discoverIn(delay));
            }

            @Override
            public void elected() {
                // The first discovery learns the shards from the lease table (also the describer's); a describer
                // then lists the stream when it is due (at once on a cold start: no listing known).
                Duration listingIn = firstListingIn;
                elected = true;
                session.post(() -> {
                    session.discover();
                    if (listingIn != null) {
                        session.discoverIn(listingIn);
                    }
                });
            }
        });
    }

    /** The lease table as checkpoint store: writes are conditional on owning the lease. */
    CheckpointStore checkpointStore() {
        return coordinator.checkpointStore();
    }

    @Override
    public void start() {
        coordinator.start(true);
    }

    @Override
    public Collection<ShardPoller> candidates(KnownShards known) {
        Set<String> held = coordinator.heldShardIds();
        if (held.size() >= known.size()) {
            return known.all();
        }
        List<ShardPoller> candidates = new ArrayList<>(); // few: the held shards not started yet
        for (String shardId : held) {
            ShardPoller shard = known.get(shardId);
            if (shard != null && shard.state == ShardPoller.State.WAITING) {
                candidates.add(shard);
            }
        }
        // in id order, so that a step's starts do not depend on the hash order of the held leases (shard ids begin
        // with their creation time: parents before children)
        candidates.sort(Comparator.comparing((ShardPoller shard) -> shard.shardId));
        return candidates;
    }

    @Override
    public Decision decide(ShardPoller shard, ShardPoller parent) {
        Lease lease = coordinator.held(shard.shardId);
        if (lease == null || coordinator.shardLeftTheStream(shard.shardId)) {
            // a shard that left the stream cannot be read: its lease is settled by settleTrimmed
            return Decision.WAIT;
        }
        ShardCheckpoint checkpoint = lease.checkpoint() == null ? null : ShardCheckpoint.at(shard.shardId, lease.checkpoint());
        boolean ancestorRead = shard.parentShardId != null && coordinator.parentRead(shard.parentShardId);
        // a worker that learned the shard from the lease table knows it closed from there (as the describer did)
        boolean closed = shard.isClosed() || coordinator.shardClosed(shard.shardId);
        Decision decision = ShardAssignment.startOf(checkpoint, ancestorRead, closed, true, options);
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
        Set<String> closed = new HashSet<>();
        for (ShardPoller shard : shards) {
            lineage.put(shard.shardId, shard.parentShardId == null ? List.of() : List.of(shard.parentShardId));
            if (shard.isClosed()) {
                closed.add(shard.shardId);
            }
        }
        coordinator.shardsDiscovered(lineage, listed, closed);
    }

    @Override
    public boolean discoveryReady() {
        return elected;
    }

    /**
     * {@code null} while this worker is the stream's describer (it lists the whole stream), except at the session's
     * first discovery; otherwise the shards of the lease table's leases (with their parents) and the stream status
     * the describer recorded. So no worker lists the stream at its start unless it is the describer: workers
     * starting together (a deploy, a rolling restart) list it once, not once each. The describer lists it when it
     * took the role ({@link LeaseCoordinator.Listener#becameDescriber}: at once when the last listing known is an
     * interval old or unknown, as on a cold start; otherwise once an interval passed since it).
     */
    @Override
    public ShardDiscovery.Listing shardsFromLeases(boolean first) {
        if (!first && coordinator.isDescriber()) {
            return null;
        }
        return leaseListing();
    }

    /** The shards of the lease table's leases (with their parents) and the stream status the describer recorded. */
    private ShardDiscovery.Listing leaseListing() {
        List<Shard> shards = new ArrayList<>();
        for (Lease lease : coordinator.leases()) {
            shards.add(Shard.builder().shardId(lease.shardId())
                    .parentShardId(lease.parentShardIds().isEmpty() ? null : lease.parentShardIds().get(0)).build());
        }
        String status = coordinator.describedStreamStatus();
        return new ShardDiscovery.Listing(shards, status == null ? null : StreamStatus.fromValue(status), null, false,
                true);
    }

    @Override
    public void streamListed(StreamStatus status) {
        coordinator.streamStatusListed(status == null ? null : status.toString());
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

    /** Stops taking leases; the held ones are still renewed until {@link #release()}, while they drain. */
    @Override
    public void stop() {
        coordinator.stopTaking();
    }

    /** Waits (at most drainTimeout, all shards at once) for the records emitted of every shard still committed. */
    @Override
    public Mono<Void> drain() {
        return Flux.fromIterable(new ArrayList<>(session.committer().checkpointers()))
                .flatMap(checkpointer -> drain(checkpointer, "releasing its lease"))
                .then();
    }

    /** Lazy: the leases keep being renewed until the release starts, after the drain and the final commit. */
    @Override
    public Mono<Void> release() {
        return Mono.defer(coordinator::releaseAll);
    }

    /**
     * The held lease of a shard that left the stream before it was read to its end: signals the gap as trimmed data
     * (the trimmed-data listener, then the policy: {@code FAIL} ends the receiver with a {@link TrimmedDataException};
     * otherwise the shard is recorded ended, so that its children start).
     */
    private void settleTrimmed(Lease lease) {
        if (!TrimmedData.signal(options, streamArn, lease.shardId(), TrimmedData.after(lease.checkpoint()),
                ": the shard left the stream", null, "recording it ended so that its children start", session::fail)) {
            return;
        }
        coordinator.checkpointStore().save(streamArn, List.of(ShardCheckpoint.ended(lease.shardId(), lease.checkpoint())))
                .subscribe(v -> { }, e -> {
                    log.warn("Recording shard {} ended failed; retried at the next take tick", lease.shardId(), e);
                    coordinator.settleFailed(lease.shardId());
                });
    }

    /**
     * Another worker asked for this shard: stop reading, wait for the records emitted to be acknowledged (bounded),
     * commit, then hand it over. Until the transfer is written the lease is this worker's (and renewed), so the
     * worker that asked cannot start the shard before the last acknowledgement here.
     */
    private void handOff(String shardId) {
        ShardCheckpointer checkpointer = session.stopReading(shardId);
        CheckpointCommitter committer = session.committer();
        Mono<Void> drained = checkpointer == null ? Mono.empty() : drain(checkpointer, "handing over its lease");
        drained.then(committer.commit())
                .onErrorResume(e -> {
                    log.warn("Commit before handing over shard {} failed; the next owner may repeat records", shardId, e);
                    return Mono.empty();
                })
                .then(Mono.fromRunnable(() -> committer.forget(shardId)))
                .then(coordinator.handOff(shardId))
                .subscribe(v -> { }, e -> log.warn("Handing over shard {} failed; it will expire instead", shardId, e));
    }

    /**
     * Completes once every record of the shard that this worker emitted is acknowledged, or after drainTimeout
     * (then WARNs how many were not, and counts it): they are read again by the next owner.
     */
    private Mono<Void> drain(ShardCheckpointer checkpointer, String action) {
        if (checkpointer.unacknowledgedCount() == 0) {
            return Mono.empty();
        }
        Duration timeout = options.leases().drainTimeout();
        Mono<Void> gaveUp = Mono.fromRunnable(() -> {
            int unacknowledged = checkpointer.unacknowledgedCount();
            if (unacknowledged == 0) {
                return;
            }
            coordinator.drainTimedOut();
            log.warn("Worker {} is {} of shard {} with {} records it emitted not acknowledged within drainTimeout {}:"
                    + " the next owner reads them again from the last checkpoint, maybe while they are still being"
                    + " processed here (acknowledge every record, also those a pipeline filters out or fails)",
                    coordinator.workerId(), action, checkpointer.shardId(), unacknowledged, timeout);
        });
        return timeout.isZero() ? gaveUp : checkpointer.drained().timeout(timeout, gaveUp, scheduler);
    }
}
