package io.github.ddbstreams.lease.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.lease.LeaseOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Takes, renews, balances, hands off and releases the shard leases of one worker.
 *
 * <p>Two periodic loops on the receiver's scheduler: renewal (every {@code renewInterval}: increments the
 * counter of each held lease, noticing lost leases and hand-off requests) and taking (every
 * {@code takeInterval}: writes this worker's presence item, reads the table, creates leases of new shards (the
 * describer; a shard's reader those of its children), takes
 * free and expired eligible leases up to this worker's share, asks the busiest workers for hand-offs of what it still
 * lacks, deletes ended leases whose children all started once their shard has left the stream). The share counts
 * every live worker: the owners of unexpired leases and the workers whose presence item moved within
 * {@code failoverTime}, so that workers starting together each take their share at once. Expiry is judged by observation, not
 * clocks: a lease is expired when its counter stood still for {@code failoverTime} as seen by this worker.
 *
 * <p>An ended lease is kept while its shard is still listed by the stream (as the KCL 3 does): a worker whose
 * view of the table or of the shards is older than the deletion (a paused worker, a late discovery) then finds the
 * lease and does not create it again, which would read the shard's records again; and a child that shows up late
 * in the listing still finds its parent ended. Leases are only created from a listing of the table sent less than
 * {@code failoverTime} ago (by the local clock), so a worker paused between listing and creating does not act on
 * what it saw before the pause.
 */
public final class LeaseCoordinator {

    /** What the coordinator tells the receiver. Called on coordinator threads; must not block. */
    public interface Listener {
        /**
         * This worker now holds the lease and may read the shard from the lease's checkpoint; also called again
         * when a lease that was fenced (not renewed in time, see {@link #provablyHeld}) is proven held again.
         */
        void acquired(Lease lease);

        /** This worker lost the lease: stop reading the shard at once. */
        void lost(String shardId);

        /**
         * Another worker asked for the lease: stop reading, wait for the records emitted (at most
         * {@link LeaseOptions#drainTimeout()}), commit, then call {@link #handOff}.
         */
        void handoffRequested(String shardId);

        /**
         * This worker holds the unfinished lease of a shard that has left the stream (trimmed, e.g. after a
         * downtime longer than the retention): its records after the lease's checkpoint are gone. Signal it as
         * trimmed data, then record the shard ended (a checkpoint with {@code ended}) so that its children start.
         */
        default void leftTheStream(Lease lease) {
        }

        /**
         * This worker just became the stream's describer. {@code lastListingAge} is how long ago the stream was last
         * listed, as far as this worker knows (its own last listing, or the previous describer's as recorded in the
         * discovery item; a lower bound, never more), or {@code null} when unknown: the receiver lists the stream
         * once a discovery interval has passed since then, at once when it has, or when unknown.
         */
        default void becameDescriber(Duration lastListingAge) {
        }

        /**
         * The first election is over (once, before the receiver knows any shard): the lease table was read and
         * this worker knows whether it is the describer ({@link #isDescriber()}, told to {@link #becameDescriber}
         * first) and the leases ({@link #leases()}) and stream status the describer recorded. The receiver's first
         * discovery waits for it: a worker that is not the describer learns the shards from the leases instead of
         * listing the stream.
         */
        default void elected() {
        }
    }

    private static final Logger log = LoggerFactory.getLogger(LeaseCoordinator.class);

    /**
     * Lease creations (conditional PutItems) one worker has in flight at once: beside the 8 renewals in flight, well
     * inside the SDK client's default pool of 50 connections.
     */
    private static final int CREATIONS_IN_FLIGHT = 16;

    private record Observation(long counter, String owner, long since) {
    }

    private final LeaseOptions options;
    private final LeaseTable table;
    private final String workerId;
    private final String streamArn;
    private final Scheduler scheduler;
    private final Listener listener;
    private final LeaseCounters counters;
    /** This process's instance token: a worker id reused by another live process does not make both owners. */
    private final String token;
    private final AtomicBoolean sharedIdWarned = new AtomicBoolean();

    private final Map<String, Lease> held = new ConcurrentHashMap<>();
    /**
     * Per held lease, when the last write proving ownership (take, renewal, or the listing that showed a
     * hand-over to this worker) was <em>sent</em>: other workers start their failoverTime no earlier.
     */
    private final Map<String, Long> provenAt = new ConcurrentHashMap<>();
    private final Set<String> handoffsSignalled = ConcurrentHashMap.newKeySet();
    private final Set<String> knownLeases = ConcurrentHashMap.newKeySet();
    private final Set<String> endingUnread = ConcurrentHashMap.newKeySet();
    private final Set<String> leftSignalled = ConcurrentHashMap.newKeySet();
    /**
     * The shards whose lease this worker recorded ended (read to their end here), while their lease is listed: it may
     * create their children's leases, found by a children query at the shard end, though it is not the describer.
     */
    private final Set<String> endedHere = ConcurrentHashMap.newKeySet();
    private final Map<String, Observation> observations = new HashMap<>();
    /** The other workers' presence items as this worker last saw each change (guarded by {@link #observations}). */
    private final Map<String, Observation> workersSeen = new HashMap<>();
    /** The beat of this worker's presence item: changed by each write. */
    private final AtomicLong beats = new AtomicLong();
    /** When this worker's presence item was last written. */
    private volatile Long lastBeat;
    /** The last write of this worker's presence item (done or under way). */
    private volatile Mono<Void> beatWritten = Mono.empty();
    private final AtomicBoolean renewing = new AtomicBoolean();
    private final AtomicBoolean taking = new AtomicBoolean();
    private final Disposable.Composite timers = Disposables.composite();
    private final Disposable.Swap takeTimer = Disposables.swap();

    /**
     * The checkpoints to import ({@link LeaseOptions#initialCheckpoints()}), read at the start's load because the
     * table was empty or its import not complete; written by the first take tick (when the shards' parents are
     * known) before this worker creates or takes any lease, retried at the next tick if a write failed.
     */
    private volatile List<ShardCheckpoint> pendingImport;
    private volatile Map<String, List<String>> shards;
    /** The shards among {@link #shards} that the receiver knows closed. */
    private volatile Set<String> closedShards = Set.of();
    /** The shards the stream's last complete listing had; {@code null} before the first one. */
    private volatile Set<String> listed;
    private volatile List<Lease> lastListed = List.of();
    /** When this process's last write proving it is the describer was sent; {@code null} when it is not. */
    private volatile Long describerProvenAt;
    /** The discovery item as this worker last saw it change (expiry by observation, as for leases). */
    private Observation describerSeen;
    /** The stream status of this worker's last complete listing, not yet followed by a take tick. */
    private volatile String pendingStatus;
    /**
     * The stream status of a complete listing whose shards' leases a later take tick created: recorded in the
     * discovery item while this worker is the describer (so a worker that reads a status also finds those leases).
     */
    private volatile String listedStatus;
    /** When this worker's last complete listing of the stream ended (local clock), or {@code null}. */
    private volatile Long lastListingAt;
    /** The stream status the describer recorded, as read with {@link #lastListed} (written after it). */
    private volatile String describedStatus;
    /** The discovery item of the take tick under way. */
    private volatile LeaseTable.Describer seenDescriber;
    /** The presence items (worker id to beat) of the take tick under way. */
    private volatile Map<String, Long> seenWorkers = Map.of();
    private volatile boolean stopped;
    /** Whether the first election is held before any shard is discovered ({@link #start(boolean)}). */
    private volatile boolean electFirst;
    /** Whether {@link Listener#elected()} was called. */
    private final AtomicBoolean electedOnce = new AtomicBoolean();
    private final AtomicBoolean electing = new AtomicBoolean();
    /** The first election under way (or done): a take tick waits for it, so that two elections never overlap. */
    private volatile Mono<Void> firstElection = Mono.empty();
    /** Stopped taking, still renewing the held leases while the receiver drains them ({@link #stopTaking()}). */
    private volatile boolean renewingUntilRelease;

    public LeaseCoordinator(LeaseOptions options, String streamArn, Scheduler scheduler, Listener listener) {
        this.options = options;
        this.token = UUID.randomUUID().toString();
        this.table = new LeaseTable(options, streamArn, token);
        this.workerId = options.workerId();
        this.streamArn = streamArn;
        this.scheduler = scheduler;
        this.listener = listener;
        this.counters = new LeaseCounters(options, held::size);
    }

    public String workerId() {
        return workerId;
    }

    /** Starts the renewal and taking loops; the first election waits for the first shards discovered. */
    public void start() {
        start(false);
    }

    /**
     * Starts the renewal and taking loops; with {@code electFirst} also holds the first election at once, before
     * any shard is discovered (see {@link Listener#elected()}), retried at each take tick until it succeeds.
     */
    public void start(boolean electFirst) {
        this.electFirst = electFirst;
        long renew = options.renewInterval().toMillis();
        long take = options.takeInterval().toMillis();
        timers.add(scheduler.schedulePeriodically(this::renewTick, renew, renew, TimeUnit.MILLISECONDS));
        takeTimer.update(scheduler.schedulePeriodically(this::takeTick, take, take, TimeUnit.MILLISECONDS));
        timers.add(takeTimer);
        // Present at once, before its first take: workers that start together count each other in the share.
        takeTick();
        log.info("Worker {} coordinates the leases of stream {} in table '{}'", workerId, streamArn, table.tableName());
    }

    /** The shards of the stream (id to parent ids), from the receiver's latest complete discovery. */
    public void shardsDiscovered(Map<String, List<String>> discovered) {
        shardsDiscovered(discovered, discovered.keySet());
    }

    /**
     * The shards known to the receiver (id to parent ids; it may remember shards that left the stream) and the
     * ones the stream's latest complete listing had, or {@code null} when the listing was not complete. A shard
     * missing from a listing that has one of its descendants has left the stream (trimmed).
     */
    public void shardsDiscovered(Map<String, List<String>> discovered, Set<String> listedByStream) {
        shardsDiscovered(discovered, listedByStream, Set.of());
    }

    /**
     * As {@link #shardsDiscovered(Map, Set)}, with the shards the receiver knows closed: the leases this worker
     * creates of those say so ({@link Lease#closed()}), for the workers that learn the shards from the lease table.
     */
    public void shardsDiscovered(Map<String, List<String>> discovered, Set<String> listedByStream, Set<String> closed) {
        this.closedShards = Set.copyOf(closed);
        this.shards = Map.copyOf(discovered);
        if (listedByStream != null) {
            this.listed = Set.copyOf(listedByStream);
        }
        takeTick();
    }

    /**
     * Whether this worker is the stream's describer: the one that lists the whole stream every discovery interval
     * and creates the leases of new shards, chosen through the lease table (a reserved item taken like a lease once
     * it stood still for {@code failoverTime} or was given up by a describer that stopped, renewed every take tick). The others learn shards from the leases
     * ({@link #leases()}). Two describers for a moment (a paused one that has not noticed yet) only cost calls.
     */
    public boolean isDescriber() {
        Long proven = describerProvenAt;
        return !stopped && proven != null && now() - proven < options.failoverTime().toMillis();
    }

    /** The leases as of the last listing of the table (every take tick). */
    public List<Lease> leases() {
        return lastListed;
    }

    /**
     * The stream status of this worker's last complete listing ({@code ENABLED}, {@code DISABLED}...): the describer
     * records it in the lease table for the others.
     */
    public void streamStatusListed(String status) {
        this.pendingStatus = status;
        this.lastListingAt = now();
    }

    /** How long ago this worker's last complete listing of the stream was, or {@code null} before the first one. */
    private Long listedAgo() {
        Long listedAt = lastListingAt;
        return listedAt == null ? null : now() - listedAt;
    }

    /** The stream status the describer recorded, or {@code null} before it recorded one. */
    public String describedStreamStatus() {
        return describedStatus;
    }

    /**
     * The lease of a shard this worker holds and may read, or {@code null}: also while handing it over, and
     * while the lease is {@linkplain #provablyHeld fenced} (not proven held recently enough).
     */
    public Lease held(String shardId) {
        return handoffsSignalled.contains(shardId) || !provablyHeld(shardId) ? null : held.get(shardId);
    }

    /** The shards whose leases this worker holds (a live view; {@link #held(String)} says which it may read). */
    public Set<String> heldShardIds() {
        return Collections.unmodifiableSet(held.keySet());
    }

    /**
     * Whether this worker holds the lease of a shard and proved it recently enough to emit its records: the last
     * successful renewal (or take) was sent less than {@code failoverTime - renewInterval / 2} ago by the local
     * clock. Another worker takes the lease only after seeing its counter stand still for {@code failoverTime}
     * from a moment after that write, so a worker that was paused (GC, SIGSTOP) or cut off stops emitting before
     * another can start, without waiting for a renewal to fail (fencing by the local clock; the margin covers
     * the time between this check and the emission, and clock-rate differences).
     */
    public boolean provablyHeld(String shardId) {
        // Once stopping or releasing, this worker reads no more (a release may land before its reply arrives).
        Long proven = provenAt.get(shardId);
        return !stopped && proven != null && held.containsKey(shardId) && now() - proven < fenceMillis();
    }

    private long fenceMillis() {
        return options.failoverTime().toMillis() - options.renewInterval().toMillis() / 2;
    }

    /**
     * Whether this shard's parent was read, so that the child continues its lineage from its beginning, never at
     * LATEST: its lease has a checkpoint, or ended after being read (also without a single record), or it was
     * listed before and is gone (ended leases are deleted once their children started). Only a parent recorded
     * ended unread (closed before a LATEST start) or never leased (left the stream first) was not.
     */
    public boolean parentRead(String parentShardId) {
        for (Lease lease : lastListed) {
            if (lease.shardId().equals(parentShardId)) {
                return lease.checkpoint() != null || (lease.ended() && !lease.endedUnread());
            }
        }
        return knownLeases.contains(parentShardId);
    }

    /**
     * Whether the lease table shows a shard closed, for a worker that may know it only from there (not the
     * describer): its lease was created closed, another lease names it as parent (a shard gets children when it
     * closes; the describer creates them in the same take tick), or the describer recorded the stream DISABLED
     * (every shard of a disabled stream is closed). So every worker decides alike where the start position depends
     * on it ({@code latest()}: a closed shard without a read ancestor is recorded ended unread).
     */
    public boolean shardClosed(String shardId) {
        if ("DISABLED".equals(describedStatus)) {
            return true;
        }
        for (Lease lease : lastListed) {
            if (lease.shardId().equals(shardId) ? lease.closed() : lease.parentShardIds().contains(shardId)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The receiver records this held shard ended without reading it (closed before a LATEST start): its ended
     * checkpoint says so, and its children start at LATEST as well.
     */
    public void endingUnread(String shardId) {
        endingUnread.add(shardId);
    }

    /**
     * Whether a shard has left the stream (its records trimmed): the stream's last complete listing lacks it but
     * has one of its descendants. Its lease, if unfinished, is settled through {@link Listener#leftTheStream}.
     */
    public boolean shardLeftTheStream(String shardId) {
        return leftTheStream(shardId, lastListed);
    }

    /** Recording the end of a shard that left the stream failed: {@link Listener#leftTheStream} is called again. */
    public void settleFailed(String shardId) {
        leftSignalled.remove(shardId);
    }

    /**
     * Whether every shard the stream lists was read to its end (the stream was disabled and fully read): every
     * lease in the table ended, and each listed shard has an ended lease or is an ancestor of a lease (read, its
     * lease cleaned up or never written, as an import's finished ancestors). A worker that is not the describer
     * relies on the describer's recorded status instead of its own (possibly old) listing: DISABLED and every lease
     * ended.
     */
    public boolean allLeasesEnded() {
        String described = describedStatus;
        List<Lease> leases = lastListed;
        Map<String, List<String>> lineage = shards;
        if (leases.isEmpty() || !leases.stream().allMatch(Lease::ended)) {
            return false;
        }
        if (!isDescriber() && "DISABLED".equals(described)) {
            // The describer recorded the status after creating the leases of the listing that showed it: every
            // shard left to read has a lease, and this worker's own listing may be a day old.
            return true;
        }
        Set<String> listedNow = listed;
        Collection<String> inStream = listedNow != null ? listedNow : lineage == null ? Set.of() : lineage.keySet();
        Set<String> covered = coveredByLeases(leases, lineage == null ? Map.of() : lineage);
        return covered.containsAll(inStream);
    }

    /**
     * The lease table as the receiver's checkpoint store: writes are conditional on owning the lease. A load that
     * finds no lease of the stream, or an import started and not completed (its worker died between the writes, or
     * is writing now), reads the {@link LeaseOptions#initialCheckpoints() initial checkpoints} (a failure fails the
     * load); the first take tick writes them.
     */
    public CheckpointStore checkpointStore() {
        return new CheckpointStore() {
            @Override
            public Mono<Map<String, ShardCheckpoint>> load(String arn) {
                return bounded(table.list(), options.failoverTime()).flatMap(this::readImportUnlessDone).map(leases -> {
                    Map<String, ShardCheckpoint> checkpoints = new LinkedHashMap<>();
                    for (Lease lease : leases) {
                        if (lease.started()) {
                            checkpoints.put(lease.shardId(),
                                    new ShardCheckpoint(lease.shardId(), lease.checkpoint(), lease.ended()));
                        }
                    }
                    return checkpoints;
                });
            }

            private Mono<List<Lease>> readImportUnlessDone(List<Lease> leases) {
                LeaseOptions.InitialCheckpoints initial = options.initialCheckpoints();
                if (initial == null) {
                    return Mono.just(leases);
                }
                // Read after the listing: an import marks itself started before its first lease, so a lease of an
                // import seen by the listing implies its marker is seen here (never taken for a table without one).
                return bounded(table.importProgress(), options.failoverTime()).flatMap(progress -> {
                    if (progress == LeaseTable.ImportProgress.COMPLETE
                            || (progress == LeaseTable.ImportProgress.NONE && !leases.isEmpty())) {
                        return Mono.just(leases);
                    }
                    if (progress == LeaseTable.ImportProgress.STARTED) {
                        log.info("Worker {}: the import of initial checkpoints into lease table '{}' was started and"
                                + " is not complete (its worker died, or is writing now): this worker imports too"
                                + " before it takes any lease", workerId, table.tableName());
                    }
                    return initial.checkpoints(streamArn)
                            .doOnNext(checkpoints -> pendingImport = List.copyOf(checkpoints))
                            .thenReturn(leases);
                });
            }

            @Override
            public Mono<Void> save(String arn, Collection<ShardCheckpoint> checkpoints) {
                // A failed write fails the commit once the others completed: they are neither cancelled in flight
                // (that aborts the HTTP request, not the write: the connection is closed, netty logs a WARN) nor
                // skipped (what they store is not replayed after a failover).
                return Flux.fromIterable(checkpoints)
                        .filter(checkpoint -> held.containsKey(checkpoint.shardId()))
                        .flatMapDelayError(checkpoint -> write(table.checkpoint(checkpoint.shardId(), workerId,
                                        checkpoint.sequenceNumber(), checkpoint.ended(),
                                        checkpoint.sequenceNumber() == null && endingUnread.contains(checkpoint.shardId())))
                                .doOnSuccess(v -> {
                                    if (checkpoint.ended()) {
                                        endingUnread.remove(checkpoint.shardId());
                                    }
                                    if (checkpoint.ended()) {
                                        endedHere.add(checkpoint.shardId());
                                    }
                                    if (checkpoint.ended() && held.remove(checkpoint.shardId()) != null) {
                                        provenAt.remove(checkpoint.shardId());
                                        log.info("Worker {} finished shard {} and released its lease", workerId,
                                                checkpoint.shardId());
                                    }
                                })
                                .onErrorResume(LeaseLostException.class, lost -> {
                                    lose(checkpoint.shardId(), "its checkpoint could not be written");
                                    return Mono.empty();
                                }), 8, 8)
                        // several failed: the first stands for them (the same store, the same moment)
                        .onErrorMap(Exceptions::isMultiple, e -> Exceptions.unwrapMultiple(e).get(0))
                        .then();
            }
        };
    }

    /** Gives a lease whose hand-off was requested to the worker that asked (once the receiver drained, committed). */
    public Mono<Void> handOff(String shardId) {
        Lease lease = held.get(shardId);
        if (lease == null || lease.handoffTo() == null) {
            return Mono.empty();
        }
        String to = lease.handoffTo();
        return write(table.transfer(shardId, workerId, to)).doOnSuccess(v -> {
            held.remove(shardId);
            provenAt.remove(shardId);
            handoffsSignalled.remove(shardId);
            counters.handedOff.incrementAndGet();
            log.info("Worker {} handed the lease of shard {} to worker {}", workerId, shardId, to);
        }).doOnError(e -> {
            // Renewing it would keep it from everyone (this worker no longer reads it, and the hand-off request
            // blocks further requests): stop renewing so it expires and the worker that asked takes it.
            lose(shardId, "handing it to worker " + to + " failed; it expires instead");
        });
    }

    /**
     * Stops taking, claiming and reading leases, but keeps renewing the held ones until {@link #releaseAll()} (or
     * {@link #stop()}): the receiver waits meanwhile for their records in flight, and they must not expire under it.
     */
    public void stopTaking() {
        renewingUntilRelease = true;
        stopped = true;
        takeTimer.dispose();
        releaseDiscovery().then(leave()).subscribe();
    }

    /**
     * Writes this worker's presence item with a new beat (every take tick, and at the start): the others count this
     * worker in the share while they see its beat change within {@code failoverTime}, even while it holds no lease.
     * A failed write is not retried before the next tick.
     */
    private Mono<Void> beat() {
        long now = now();
        Long last = lastBeat;
        if (stopped || last != null && now - last < options.takeInterval().toMillis() / 2) {
            return Mono.empty(); // stopping, or the start's beat was just before the first tick
        }
        lastBeat = now;
        Mono<Void> beat = write(table.beat(workerId, beats.incrementAndGet())).onErrorResume(e -> {
            log.debug("Worker {} could not write its presence item in lease table '{}'", workerId, table.tableName(), e);
            return Mono.empty();
        }).cache();
        beatWritten = beat;
        return beat;
    }

    /** Deletes this worker's presence item (stopping gracefully), so the others stop counting it at once. */
    private Mono<Void> leave() {
        // after the beat under way: a beat landing after the deletion would make this worker count for failoverTime
        return Mono.defer(() -> beatWritten).then(write(table.leave(workerId))).onErrorResume(e -> {
            log.debug("Worker {} could not delete its presence item; the others stop counting it after {}", workerId,
                    options.failoverTime(), e);
            return Mono.empty();
        });
    }

    /**
     * Gives up the describer role if this process holds it (at once: a stopping worker lists the stream no more),
     * so that another worker takes it at its next take tick. A crashed describer's role expires instead.
     */
    private Mono<Void> releaseDiscovery() {
        if (describerProvenAt == null) {
            return Mono.empty();
        }
        describerProvenAt = null;
        return write(table.releaseDiscovery(workerId, listedAgo()))
                .doOnSuccess(v -> log.info("Worker {} gave up the describer role of stream {}", workerId, streamArn))
                .onErrorResume(e -> {
                    log.warn("Worker {} could not give up the describer role of stream {}; it expires after {}",
                            workerId, streamArn, options.failoverTime(), e);
                    return Mono.empty();
                });
    }

    /** A lease was given away with records still unacknowledged after {@link LeaseOptions#drainTimeout()}. */
    public void drainTimedOut() {
        counters.drainTimeouts.incrementAndGet();
    }

    /** Stops the loops and releases every held lease and the describer role, so other workers take them at once. */
    public Mono<Void> releaseAll() {
        renewingUntilRelease = false;
        stopped = true;
        timers.dispose();
        List<String> shardIds = new ArrayList<>(held.keySet());
        return releaseDiscovery().thenMany(Flux.fromIterable(shardIds))
                .flatMap(shardId -> write(table.release(shardId, workerId))
                        .doOnSuccess(v -> {
                            held.remove(shardId);
                            provenAt.remove(shardId);
                        })
                        .onErrorResume(e -> {
                            log.warn("Worker {} could not release the lease of shard {}; it expires after {}", workerId,
                                    shardId, options.failoverTime(), e);
                            return Mono.empty();
                        }), 8)
                .then(leave()) // after the leases: they matter more, and a stop may have little time
                .then(Mono.fromRunnable(() -> {
                    if (!shardIds.isEmpty()) {
                        log.info("Worker {} released {} leases: {}", workerId, shardIds.size(), shardIds);
                    }
                }));
    }

    /** Stops the loops without releasing anything (the leases expire). */
    public void stop() {
        renewingUntilRelease = false;
        stopped = true;
        timers.dispose();
    }

    // ------------------------------------------------------------------ renewal

    private void renewTick() {
        if ((stopped && !renewingUntilRelease) || !renewing.compareAndSet(false, true)) {
            return;
        }
        renewDescriber();
        Flux.fromIterable(new ArrayList<>(held.keySet()))
                .flatMap(this::renew, 8)
                .doFinally(signal -> {
                    renewing.set(false);
                    long now = now();
                    for (String shardId : new ArrayList<>(held.keySet())) {
                        Long proven = provenAt.get(shardId);
                        if (proven != null && now - proven >= options.failoverTime().toMillis()) {
                            // Others consider it expired by now: stop renewing so that it is taken over.
                            lose(shardId, "it could not be renewed for " + options.failoverTime());
                        }
                    }
                })
                .subscribe();
    }

    /** Renews one lease; completes (empty) whatever happens, having recorded the outcome. */
    private Mono<Lease> renew(String shardId) {
        return Mono.defer(() -> {
            long sent = now();
            // A call that gets no answer (the SDK waits 30 s by default) must not hold the loop: the
            // self-fencing in renewTick runs only when every renewal of the tick ended.
            return write(table.renew(shardId, workerId))
                    .doOnNext(lease -> renewed(lease, sent));
        }).onErrorResume(LeaseLostException.class, lost -> {
            lose(shardId, "another worker took it");
            return Mono.empty();
        }).onErrorResume(e -> {
            counters.renewFailures.incrementAndGet();
            log.warn("Worker {} could not renew the lease of shard {}: {}", workerId, shardId, e.toString());
            return Mono.empty();
        });
    }

    private void renewed(Lease lease, long sent) {
        // One atomic step, not a check then a put: a transfer, release or loss completing on another thread in
        // between must not put a given-away lease back.
        boolean wasFenced = !provablyHeld(lease.shardId());
        if (held.computeIfPresent(lease.shardId(), (shardId, old) -> {
            provenAt.merge(shardId, sent, Math::max);
            return lease;
        }) == null) {
            return;
        }
        if (wasFenced && provablyHeld(lease.shardId())) {
            log.debug("Worker {} proved it holds the lease of shard {}: its records may be emitted", workerId,
                    lease.shardId());
            listener.acquired(lease);
        }
        // A stopping worker releases its leases anyway (after draining them): no hand-off besides
        if (!stopped && lease.handoffTo() != null && !lease.handoffTo().equals(workerId)
                && handoffsSignalled.add(lease.shardId())) {
            log.info("Worker {} was asked by worker {} to hand over shard {}", workerId, lease.handoffTo(), lease.shardId());
            listener.handoffRequested(lease.shardId());
        }
    }

    private void lose(String shardId, String why) {
        if (held.remove(shardId) != null) {
            provenAt.remove(shardId);
            handoffsSignalled.remove(shardId);
            counters.lost.incrementAndGet();
            log.warn("Worker {} lost the lease of shard {}: {}", workerId, shardId, why);
            listener.lost(shardId);
        }
    }

    // ------------------------------------------------------------------ taking and balancing

    private void takeTick() {
        if (!stopped && shards == null) {
            if (electFirst) {
                firstElection();
            } else {
                beat().subscribe(); // still listing the stream at its start: present all the same
            }
            return;
        }
        if (stopped || !taking.compareAndSet(false, true)) {
            return;
        }
        long listSent = now();
        String status = pendingStatus;
        beat().subscribe(); // beside the tick, as the describer's write
        AtomicReference<Mono<Void>> elected = new AtomicReference<>(Mono.empty());
        firstElection.then(Mono.defer(() -> bounded(table.snapshot(), options.failoverTime())))
                .map(snapshot -> {
                    seenDescriber = snapshot.describer();
                    seenWorkers = snapshot.workers();
                    // beside the tick, not before it: the role's write does not delay taking and balancing (only
                    // the creation of leases waits for it, see createMissingLeases)
                    Mono<Void> election = elect(snapshot.describer()).cache();
                    election.subscribe();
                    elected.set(election);
                    return snapshot.leases();
                })
                .flatMap(this::writeImport)
                .flatMap(leases -> createMissingLeases(leases, listSent, elected.get())
                        .doOnNext(created -> {
                            if (created != Creation.LEFT_TO_THE_DESCRIBER
                                    && now() - listSent < options.failoverTime().toMillis()) {
                                listedStatus = status; // not a stale listing: the listing's leases exist
                            }
                        })
                        .flatMap(created -> created == Creation.CREATED ? bounded(table.list(), options.failoverTime())
                                : Mono.just(leases)))
                .flatMap(this::balance)
                .doFinally(signal -> taking.set(false))
                .subscribe(v -> { }, e -> log.warn("Worker {} could not read lease table '{}': {}", workerId,
                        table.tableName(), e.toString()));
    }

    /**
     * Before the receiver knows any shard (its first discovery waits for this): writes the presence item, reads the
     * table, holds the describer election, keeps the leases read and the describer's recorded stream status, then
     * tells the listener ({@link Listener#elected()}). Takes and creates nothing. A failed read is retried at the
     * next take tick.
     */
    private void firstElection() {
        beat().subscribe();
        if (electedOnce.get() || !electing.compareAndSet(false, true)) {
            return;
        }
        Mono<Void> election = bounded(table.snapshot(), options.failoverTime())
                .flatMap(snapshot -> {
                    seenDescriber = snapshot.describer();
                    seenWorkers = snapshot.workers();
                    learn(snapshot.leases());
                    return elect(snapshot.describer()).then(Mono.fromRunnable(() -> {
                        if (!stopped && electedOnce.compareAndSet(false, true)) {
                            listener.elected();
                        }
                    }));
                })
                .then()
                .doOnError(e -> log.warn("Worker {} could not read lease table '{}': {}; retried at the next take tick",
                        workerId, table.tableName(), e.toString()))
                .onErrorResume(e -> Mono.empty())
                .doFinally(signal -> electing.set(false))
                .cache();
        firstElection = election;
        election.subscribe();
    }

    /** Keeps what a listing of the table showed: the leases, and the stream status the describer recorded. */
    private void learn(List<Lease> leases) {
        lastListed = leases;
        LeaseTable.Describer describer = seenDescriber;
        if (describer != null && describer.streamStatus() != null) {
            describedStatus = describer.streamStatus();
        }
        for (Lease lease : leases) {
            knownLeases.add(lease.shardId());
        }
    }

    /**
     * Keeps, takes or leaves the describer role: renews it when this process holds it (recording the stream status
     * it listed), creates the discovery item when there is none, takes it over when its counter stood still for
     * {@code failoverTime} as seen by this worker. Never fails the tick: a failed write is tried again at the next.
     */
    private Mono<Void> elect(LeaseTable.Describer seen) {
        long now = now();
        Mono<LeaseTable.Describer> write;
        // How long ago the previous describer listed the stream, at least: it recorded the time from its listing
        // to its write, and the write was before this worker first saw it.
        Long previousListingAge = null;
        if (seen == null) {
            write = table.takeDiscovery(null, workerId);
        } else if (workerId.equals(seen.describer()) && token.equals(seen.token())) {
            write = table.renewDiscovery(workerId, listedStatus, listedAgo());
        } else {
            long seenFor;
            synchronized (observations) {
                if (describerSeen == null || describerSeen.counter() != seen.counter()
                        || !Objects.equals(describerSeen.owner(), seen.describer())) {
                    describerSeen = new Observation(seen.counter(), seen.describer(), now);
                }
                seenFor = now - describerSeen.since();
            }
            // a live describer's item is taken over once it stood still for failoverTime; one given up by a
            // describer that stopped (no name) at once (conditional on the counter, so by one worker)
            if (seen.describer() != null && seenFor < options.failoverTime().toMillis()) {
                describerProvenAt = null;
                return Mono.empty();
            }
            previousListingAge = seen.listedMillisAgo() == null ? null : seenFor + seen.listedMillisAgo();
            write = table.takeDiscovery(seen, workerId);
        }
        Long previousAge = previousListingAge;
        return write(write)
                .doOnNext(mine -> {
                    boolean taken = describerProvenAt == null;
                    describerProvenAt = now;
                    if (taken) {
                        log.info("Worker {} is now the describer of stream {}: it lists the stream's shards for every"
                                + " worker", workerId, streamArn);
                        listener.becameDescriber(lastListingAge(previousAge));
                    }
                    if (stopped && renewingUntilRelease) {
                        releaseDiscovery().subscribe(); // taken or renewed while this worker began to stop
                    }
                })
                .switchIfEmpty(Mono.fromRunnable(() -> describerProvenAt = null))
                .then()
                .onErrorResume(e -> {
                    log.debug("Worker {} could not write the describer item of stream {}", workerId, streamArn, e);
                    return Mono.empty();
                });
    }

    /** The most recent of this worker's last listing and the previous describer's (ages in ms; null: unknown). */
    private Duration lastListingAge(Long previousAge) {
        Long own = listedAgo();
        // not a conditional expression: it would unbox a null previousAge (Long and long give long)
        Long age = previousAge;
        if (own != null && (age == null || own < age)) {
            age = own;
        }
        return age == null ? null : Duration.ofMillis(age);
    }

    /**
     * Renews the describer role held by this process every renewal too, not only at take ticks: a take tick waits
     * for the listing of the table (bounded by {@code failoverTime}) and is skipped while the previous one runs, so
     * under load the role would stand still long enough for another worker to take it over.
     */
    private void renewDescriber() {
        if (stopped || describerProvenAt == null) {
            return;
        }
        long sent = now();
        write(table.renewDiscovery(workerId, listedStatus, listedAgo()))
                .doOnNext(mine -> describerProvenAt = stopped ? null : sent)
                .switchIfEmpty(Mono.fromRunnable(() -> describerProvenAt = null))
                .subscribe(v -> { }, e -> log.debug("Worker {} could not renew the describer role of stream {}",
                        workerId, streamArn, e));
    }

    /**
     * Writes the pending import before any lease is created by this worker: marks it started, writes its leases
     * parents first, each conditional on the lease not existing, then marks it complete; emits the table as it is
     * then. An import another worker completed meanwhile is not written (its leases may have moved on and been
     * cleaned up). Another worker may be writing the same import (its leases are then left as they are) or may have
     * read and cleaned up some of them since: a shard that is an ancestor of a listed lease is not written (see
     * {@link #createMissingLeases}).
     */
    private Mono<List<Lease>> writeImport(List<Lease> leases) {
        List<ShardCheckpoint> imported = pendingImport;
        if (imported == null) {
            return Mono.just(leases);
        }
        if (listed == null) {
            // The shards' lineage is unknown here (learned from the lease table, no listing of the stream): the
            // import is the describer's, which lists the stream. Nothing is taken before it is complete.
            return write(table.importProgress()).flatMap(progress -> {
                if (progress != LeaseTable.ImportProgress.COMPLETE) {
                    return Mono.empty();
                }
                pendingImport = null;
                return bounded(table.list(), options.failoverTime());
            });
        }
        // Marked started unless a marker exists; only then is it read: complete means nothing to write.
        return write(table.markImport(LeaseTable.ImportProgress.STARTED))
                .flatMap(marked -> marked ? Mono.just(LeaseTable.ImportProgress.STARTED)
                        : write(table.importProgress()))
                .flatMap(progress -> {
                    if (progress == LeaseTable.ImportProgress.COMPLETE) {
                        pendingImport = null;
                        log.info("Worker {}: another worker completed the import of initial checkpoints into lease"
                                + " table '{}'", workerId, table.tableName());
                        return Mono.just(leases);
                    }
                    return writeImport(leases, imported);
                });
    }

    private Mono<List<Lease>> writeImport(List<Lease> leases, List<ShardCheckpoint> imported) {
        Map<String, List<String>> discovered = shards;
        Set<String> covered = coveredByLeases(leases, discovered);
        List<ShardCheckpoint> ordered = new ArrayList<>();
        for (ShardCheckpoint checkpoint : imported) {
            if (!covered.contains(checkpoint.shardId())) {
                ordered.add(checkpoint);
            }
        }
        ordered.sort(Comparator.comparingInt(checkpoint -> depth(checkpoint.shardId(), discovered, new HashSet<>())));
        return Flux.fromIterable(ordered)
                .concatMap(checkpoint -> write(table.createIfAbsent(checkpoint.shardId(),
                        discovered.getOrDefault(checkpoint.shardId(), List.of()), checkpoint.sequenceNumber(),
                        checkpoint.ended())))
                .filter(Boolean::booleanValue)
                .count()
                .flatMap(created -> write(table.markImport(LeaseTable.ImportProgress.COMPLETE)).thenReturn(created))
                .doOnNext(created -> {
                    pendingImport = null;
                    log.info("Worker {} wrote {} of the {} initial checkpoints of stream {} into lease table '{}' (the"
                            + " others' leases existed); the import is complete", workerId, created, imported.size(),
                            streamArn, table.tableName());
                })
                .then(bounded(table.list(), options.failoverTime()));
    }

    /** What {@link #createMissingLeases} did. */
    private enum Creation {
        /** Every discovered shard has a lease. */
        NONE_MISSING,
        /** It created leases (or tried to: another worker may have created some first). */
        CREATED,
        /** Some shards have no lease, and creating them is the describer's job (this worker is not it). */
        LEFT_TO_THE_DESCRIBER
    }

    /**
     * Creates the leases of discovered shards that have none. A shard that is an ancestor of a shard with a lease
     * was read and its lease cleaned up: it must not get a new lease (its records would be read again). Nothing is
     * created once the listing is {@code failoverTime} old (this worker was paused): in the meantime the lease may
     * have been created, ended and cleaned up.
     *
     * <p>Only the describer creates the leases of the shards its listings found (decided by this tick's election,
     * awaited when there is something to create): workers starting together all list the stream, and each creating
     * every lease cost one conditional PutItem per shard and worker. Any worker creates the leases of the children of
     * a shard it read to its end (or holds), found by its children query at the shard end: one reader per parent,
     * and the children start without waiting for the describer's next listing.
     */
    private Mono<Creation> createMissingLeases(List<Lease> leases, long listSent, Mono<Void> elected) {
        Map<String, List<String>> discovered = shards;
        Set<String> closed = closedShards;
        Set<String> covered = coveredByLeases(leases, discovered);
        List<Map.Entry<String, List<String>>> absent = new ArrayList<>();
        for (Map.Entry<String, List<String>> shard : discovered.entrySet()) {
            // A shard that left the stream has no records left to read: its children do not wait for it.
            if (!covered.contains(shard.getKey()) && !knownLeases.contains(shard.getKey())
                    && !leftTheStream(shard.getKey(), leases)) {
                absent.add(shard);
            }
        }
        if (absent.isEmpty()) {
            return Mono.just(Creation.NONE_MISSING);
        }
        return elected.then(Mono.defer(() -> {
            boolean describer = isDescriber();
            List<Map.Entry<String, List<String>>> missing = new ArrayList<>();
            for (Map.Entry<String, List<String>> shard : absent) {
                if (describer || shard.getValue().stream().anyMatch(p -> endedHere.contains(p) || held.containsKey(p))) {
                    missing.add(shard);
                }
            }
            Mono<Creation> created = create(missing, discovered, closed, listSent);
            return missing.size() == absent.size() ? created
                    : created.thenReturn(Creation.LEFT_TO_THE_DESCRIBER);
        }));
    }

    private Mono<Creation> create(List<Map.Entry<String, List<String>>> missing, Map<String, List<String>> discovered,
            Set<String> closed, long listSent) {
        if (missing.isEmpty()) {
            return Mono.just(Creation.NONE_MISSING);
        }
        // Parents first, generation by generation, stopping at a failure: a lease must never exist before its
        // parent's, or the parent counts as read (an ancestor of a lease, above) and never gets one. No shard of a
        // generation descends from another of it: each generation is written concurrently (a cold start of 1,000
        // shards one at a time took 40 s, while the other workers took their share of what existed so far).
        TreeMap<Integer, List<Map.Entry<String, List<String>>>> generations = new TreeMap<>();
        for (Map.Entry<String, List<String>> shard : missing) {
            generations.computeIfAbsent(depth(shard.getKey(), discovered, new HashSet<>()), d -> new ArrayList<>())
                    .add(shard);
        }
        // A creation is sent only while the listing is less than failoverTime old (by then a lease may have been
        // created, read, ended and deleted) and no creation failed; the ones in flight complete either way: cancelling
        // an SDK call aborts its HTTP request (the connection is closed, netty logs a WARN), not the write.
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stale = new AtomicBoolean();
        return Flux.fromIterable(generations.values())
                .concatMap(generation -> Flux.fromIterable(generation)
                        .takeWhile(shard -> {
                            if (now() - listSent >= options.failoverTime().toMillis()) {
                                stale.set(true);
                            }
                            return failure.get() == null && !stale.get();
                        })
                        .flatMap(shard -> write(table.createIfAbsent(shard.getKey(), shard.getValue(),
                                        closed.contains(shard.getKey())))
                                .doOnSuccess(v -> knownLeases.add(shard.getKey()))
                                .onErrorResume(e -> {
                                    failure.compareAndSet(null, e);
                                    return Mono.empty();
                                }), CREATIONS_IN_FLIGHT)
                        .then())
                .then(Mono.defer(() -> {
                    if (failure.get() != null) {
                        return Mono.error(failure.get());
                    }
                    if (stale.get()) {
                        log.debug("Worker {} creates no lease from a listing of the lease table sent {} ms ago",
                                workerId, now() - listSent);
                    }
                    return Mono.just(Creation.CREATED);
                }));
    }

    /** The shards that have a lease and their ancestors (read, their leases maybe cleaned up). */
    private static Set<String> coveredByLeases(List<Lease> leases, Map<String, List<String>> discovered) {
        Set<String> covered = new HashSet<>();
        for (Lease lease : leases) {
            covered.add(lease.shardId());
            List<String> parents = new ArrayList<>(lease.parentShardIds());
            while (!parents.isEmpty()) {
                String parent = parents.remove(parents.size() - 1);
                if (covered.add(parent)) {
                    parents.addAll(discovered.getOrDefault(parent, List.of()));
                }
            }
        }
        return covered;
    }

    /** How many generations of discovered ancestors a shard has. */
    private static int depth(String shardId, Map<String, List<String>> discovered, Set<String> seen) {
        int depth = 0;
        if (seen.add(shardId)) {
            for (String parent : discovered.getOrDefault(shardId, List.of())) {
                if (discovered.containsKey(parent)) {
                    depth = Math.max(depth, 1 + depth(parent, discovered, seen));
                }
            }
        }
        return depth;
    }

    private Mono<Void> balance(List<Lease> leases) {
        if (stopped) {
            return Mono.empty();
        }
        learn(leases);
        long now = now();
        Map<String, Lease> byId = new HashMap<>();
        for (Lease lease : leases) {
            byId.put(lease.shardId(), lease);
        }
        endedHere.retainAll(byId.keySet());
        synchronized (observations) {
            observations.keySet().retainAll(byId.keySet());
            for (Lease lease : leases) {
                Observation seen = observations.get(lease.shardId());
                if (seen == null || seen.counter() != lease.counter() || !Objects.equals(seen.owner(), lease.owner())) {
                    observations.put(lease.shardId(), new Observation(lease.counter(), lease.owner(), now));
                }
            }
        }
        // Leases handed to this worker id by their previous owner: claimed with this process's token (another live
        // process with the same id may race for them; one wins). Not held before the claim is written: the
        // transfer happened at some unknown time before this listing, and others count failoverTime from it.
        List<Lease> handedOver = new ArrayList<>();
        for (Lease lease : leases) {
            if (!workerId.equals(lease.owner()) || lease.ended() || held.containsKey(lease.shardId())) {
                continue;
            }
            if (lease.ownerToken() == null && lease.handoffTo() == null) {
                handedOver.add(lease);
            } else if (lease.ownerToken() != null && !lease.ownerToken().equals(token) && !isExpired(lease, now)
                    && sharedIdWarned.compareAndSet(false, true)) {
                log.warn("Another live process uses worker id {} (it holds the lease of shard {}): give each process"
                        + " its own workerId; this one leaves that process's leases alone", workerId, lease.shardId());
            }
        }
        Mono<Void> claims = Flux.fromIterable(handedOver).concatMap(this::claim).then();

        List<Lease> eligible = new ArrayList<>();
        for (Lease lease : leases) {
            if (!lease.ended() && (lease.started() || parentsEnded(lease, byId))) {
                eligible.add(lease);
            }
        }
        Set<String> liveWorkers = new HashSet<>(presentWorkers(now));
        Set<String> expiredOwners = new HashSet<>();
        Map<String, List<Lease>> byOwner = new HashMap<>();
        for (Lease lease : eligible) {
            if (lease.owner() != null && !isExpired(lease, now)) {
                byOwner.computeIfAbsent(lease.owner(), k -> new ArrayList<>()).add(lease);
            } else if (lease.owner() != null) {
                expiredOwners.add(lease.owner());
            }
        }
        // A worker every lease of which expired died, whatever its presence item (written up to a take tick later
        // than its last renewal) still says: counting it would leave its leases to the next tick.
        expiredOwners.removeAll(byOwner.keySet());
        liveWorkers.removeAll(expiredOwners);
        liveWorkers.addAll(byOwner.keySet());
        liveWorkers.add(workerId);
        int target = Math.min(options.maxLeasesPerWorker(),
                (eligible.size() + liveWorkers.size() - 1) / liveWorkers.size());
        // Coming to this worker already: handed over and not yet claimed, or asked of a live owner and not yet handed
        // over (one whose owner died expires instead, and is taken like any other).
        long coming = handedOver.size() + byOwner.entrySet().stream()
                .filter(owner -> !owner.getKey().equals(workerId))
                .flatMap(owner -> owner.getValue().stream())
                .filter(lease -> workerId.equals(lease.handoffTo())).count();
        int wanted = (int) (target - held.size() - coming);
        Mono<Void> cleanup = claims.then(cleanUpEnded(leases)).then(Mono.fromRunnable(() -> settleLeftTheStream(leases)));
        if (wanted <= 0) {
            return cleanup;
        }
        List<Lease> candidates = new ArrayList<>();
        for (Lease lease : eligible) {
            if (!held.containsKey(lease.shardId()) && (lease.owner() == null || isExpired(lease, now))) {
                candidates.add(lease);
            }
        }
        // Free leases before expired ones; oldest lineage (fewest checkpoints missing) first.
        candidates.sort(Comparator.comparing((Lease lease) -> lease.owner() != null).thenComparing(Lease::shardId));
        orderFreeLeases(candidates, liveWorkers, byOwner, target);
        int goal = (int) (target - coming);
        // What free and expired leases do not cover is asked for in the same tick: under churn there are always some
        // free or expired leases, and a worker below its share must not wait for none to be left.
        return Flux.fromIterable(candidates)
                .concatMap(lease -> held.size() >= goal ? Mono.empty() : Mono.defer(() -> {
                    long takeSent = now();
                    return write(table.take(lease, workerId)).doOnNext(taken -> {
                        provenAt.put(taken.shardId(), takeSent);
                        held.put(taken.shardId(), taken);
                        counters.taken.incrementAndGet();
                        log.info("Worker {} took the lease of shard {} ({})", workerId, taken.shardId(),
                                lease.owner() == null ? "free" : "expired, was held by " + lease.owner());
                        listener.acquired(taken);
                    });
                }))
                .then(Mono.defer(() -> requestHandoff(byOwner, target, goal - held.size())))
                .then(cleanup);
    }

    /**
     * Puts the free leases at the head of {@code candidates} in this worker's taking order. Workers starting together
     * would all try the same free leases first, and every take that loses to another worker is a write billed for
     * nothing (8 workers over 200 shards sent 788 takes for 200 leases). Free leases go by rendezvous hashing over the
     * live workers: this worker first takes those it ranks highest for, then those another worker won beyond what it
     * wants (by the same listing: its share less what it holds), then the rest, each group in this worker's own
     * order. No randomness: simulations replay by seed.
     */
    private void orderFreeLeases(List<Lease> candidates, Set<String> liveWorkers, Map<String, List<Lease>> byOwner,
            int target) {
        int free = 0;
        while (free < candidates.size() && candidates.get(free).owner() == null) {
            free++;
        }
        if (free < 2) {
            return;
        }
        List<Lease> freeLeases = candidates.subList(0, free);
        Map<String, List<Lease>> won = new HashMap<>();
        for (Lease lease : freeLeases) {
            won.computeIfAbsent(rendezvousWinner(lease.shardId(), liveWorkers), k -> new ArrayList<>()).add(lease);
        }
        Set<String> mine = new HashSet<>();
        Set<String> spare = new HashSet<>();
        won.forEach((winner, leasesWon) -> {
            if (winner.equals(workerId)) {
                leasesWon.forEach(lease -> mine.add(lease.shardId()));
                return;
            }
            int wants = Math.max(0, target - byOwner.getOrDefault(winner, List.of()).size());
            if (leasesWon.size() > wants) {
                leasesWon.sort(byRank(winner));
                leasesWon.subList(wants, leasesWon.size()).forEach(lease -> spare.add(lease.shardId()));
            }
        });
        freeLeases.sort(Comparator.comparingInt((Lease lease) -> mine.contains(lease.shardId()) ? 0
                : spare.contains(lease.shardId()) ? 1 : 2).thenComparing(byRank(workerId)));
    }

    /** Highest rank first, as {@code worker} ranks the shards. */
    private static Comparator<Lease> byRank(String worker) {
        return Comparator.comparingLong((Lease lease) -> rank(worker, lease.shardId())).reversed();
    }

    /** The live worker that ranks a shard highest (rendezvous hashing; ties to the lower id). */
    private static String rendezvousWinner(String shardId, Set<String> workers) {
        String winner = null;
        long best = 0;
        for (String worker : workers) {
            long rank = rank(worker, shardId);
            if (winner == null || rank > best || (rank == best && worker.compareTo(winner) < 0)) {
                winner = worker;
                best = rank;
            }
        }
        return winner;
    }

    /** A worker's pseudo-random rank of a shard, the same in every process (a SplitMix64 finalizer). */
    private static long rank(String worker, String shardId) {
        long z = worker.hashCode() * 0x9E3779B97F4A7C15L + shardId.hashCode();
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The workers whose presence item's beat changed within {@code failoverTime} as seen by this worker (no clock
     * comparison across workers, as for leases).
     */
    private Set<String> presentWorkers(long now) {
        Map<String, Long> items = seenWorkers;
        Set<String> present = new HashSet<>();
        synchronized (observations) {
            workersSeen.keySet().retainAll(items.keySet());
            items.forEach((worker, beat) -> {
                Observation seen = workersSeen.get(worker);
                if (seen == null || seen.counter() != beat) {
                    seen = new Observation(beat, worker, now);
                    workersSeen.put(worker, seen);
                }
                if (now - seen.since() < options.failoverTime().toMillis()) {
                    present.add(worker);
                }
            });
        }
        return present;
    }

    private Mono<Lease> claim(Lease lease) {
        return Mono.defer(() -> {
            long sent = now();
            return write(table.claim(lease.shardId(), workerId)).doOnNext(claimed -> {
                provenAt.put(claimed.shardId(), sent);
                held.put(claimed.shardId(), claimed);
                counters.taken.incrementAndGet();
                log.info("Worker {} took over the lease of shard {} (handed off)", workerId, claimed.shardId());
                listener.acquired(claimed);
            });
        }).onErrorResume(e -> {
            log.debug("Worker {} could not claim the lease of shard {} handed to it; retries at the next tick",
                    workerId, lease.shardId(), e);
            return Mono.empty();
        });
    }

    private boolean parentsEnded(Lease lease, Map<String, Lease> byId) {
        for (String parent : lease.parentShardIds()) {
            Lease parentLease = byId.get(parent);
            if (parentLease == null) {
                // A parent that is still in the stream gets its lease soon: wait. One that left the stream
                // (trimmed) can never be read and must not block its children. Only the describer's listing is
                // fresh enough to tell: a lease is created after its parent's (in one listing of the table), so
                // for the others a child's lease without its parent's means the parent left or was cleaned up.
                if (shards != null && shards.containsKey(parent) && !leftTheStream(parent, byId.values())
                        && (isDescriber() || describerProvenAt == null && seenDescriber == null)) {
                    return false;
                }
            } else if (!parentLease.ended()) {
                return false;
            }
        }
        return true;
    }

    private boolean isExpired(Lease lease, long now) {
        // A lease under this worker's id that it does not hold (it fenced itself, or an earlier process with its
        // id held it) expires like any other: with a hand-off request on it, nothing else gives it back.
        if (lease.owner() == null || held.containsKey(lease.shardId())) {
            return false;
        }
        synchronized (observations) {
            Observation seen = observations.get(lease.shardId());
            return seen != null && now - seen.since() >= options.failoverTime().toMillis();
        }
    }

    /**
     * Asks busier workers for leases, up to what this worker lacks of its share: from each worker holding
     * more than the share, as many as it holds above it (counting leases already asked for as leaving).
     */
    private Mono<Void> requestHandoff(Map<String, List<Lease>> byOwner, int target, int wanted) {
        List<Lease> requests = new ArrayList<>();
        if (wanted <= 0) {
            return Mono.empty();
        }
        for (Map.Entry<String, List<Lease>> owner : byOwner.entrySet()) {
            if (owner.getKey().equals(workerId)) {
                continue;
            }
            List<Lease> owned = owner.getValue();
            long leaving = owned.stream().filter(lease -> lease.handoffTo() != null).count();
            long excess = owned.size() - leaving - target;
            for (Lease lease : owned) {
                if (excess <= 0 || requests.size() >= wanted) {
                    break;
                }
                if (lease.handoffTo() == null) {
                    requests.add(lease);
                    excess--;
                }
            }
        }
        // a failed request fails the take after the others were sent and completed: none is cancelled in flight
        // (that aborts the HTTP request, not the write; see checkpointStore's save)
        return Flux.fromIterable(requests)
                .flatMapDelayError(lease -> write(table.requestHandoff(lease.shardId(), lease.owner(), workerId))
                        .doOnNext(asked -> {
                            if (asked) {
                                log.info("Worker {} asked worker {} to hand over shard {} (share: {} leases each)",
                                        workerId, lease.owner(), lease.shardId(), target);
                            }
                        }), 8, 8)
                .then();
    }

    /** Tells the listener (once) about each held unfinished lease whose shard left the stream. */
    private void settleLeftTheStream(List<Lease> leases) {
        leftSignalled.retainAll(held.keySet());
        for (Lease lease : leases) {
            Lease mine = held.get(lease.shardId());
            if (mine != null && !lease.ended() && provablyHeld(lease.shardId()) && leftTheStream(lease.shardId(), leases)
                    && leftSignalled.add(lease.shardId())) {
                log.warn("Worker {} holds the unfinished lease of shard {}, which has left the stream of {}: its records"
                        + " after {} were trimmed", workerId, lease.shardId(), streamArn,
                        mine.checkpoint() == null ? "its start" : mine.checkpoint());
                listener.leftTheStream(mine);
            }
        }
    }

    private Mono<Void> cleanUpEnded(List<Lease> leases) {
        List<String> deletable = new ArrayList<>();
        for (Lease lease : leases) {
            if (!lease.ended()) {
                continue;
            }
            boolean hasChildren = false;
            boolean allStarted = true;
            for (Lease child : leases) {
                if (child.parentShardIds().contains(lease.shardId())) {
                    hasChildren = true;
                    // Only a checkpoint counts: an owner may let the child go before its first one, and a child
                    // whose parent is listed but has no lease would wait for it forever.
                    allStarted &= child.started();
                }
            }
            // Kept while the shard is listed: a worker with an older view must find it (see the class comment).
            if (hasChildren && allStarted && leftTheStream(lease.shardId(), leases)) {
                deletable.add(lease.shardId());
            }
        }
        // as the hand-off requests: a failed delete (done again at a later take) cancels none in flight
        return Flux.fromIterable(deletable)
                .flatMapDelayError(shardId -> write(table.deleteEnded(shardId))
                        .doOnSuccess(v -> log.debug("Deleted the ended lease of shard {}: it left the stream", shardId)),
                        4, 4)
                .then();
    }

    /**
     * Whether a shard has left the stream (its records trimmed): the stream's last complete listing lacks it but
     * has one of its descendants (by the leases' parents and the discovered lineage), so the listing is newer than
     * the shard. A listing without any descendant proves nothing (it may predate the shard).
     */
    private boolean leftTheStream(String shardId, Collection<Lease> leases) {
        Set<String> listedNow = listed;
        Map<String, List<String>> lineage = shards;
        if (listedNow == null || listedNow.contains(shardId)) {
            return false;
        }
        Set<String> seen = new HashSet<>();
        List<String> line = new ArrayList<>(List.of(shardId));
        while (!line.isEmpty()) {
            String shard = line.remove(line.size() - 1);
            if (!seen.add(shard)) {
                continue;
            }
            for (Lease lease : leases) {
                if (lease.parentShardIds().contains(shard)) {
                    line.add(lease.shardId());
                }
            }
            if (lineage != null) {
                lineage.forEach((child, parents) -> {
                    if (parents.contains(shard)) {
                        line.add(child);
                    }
                });
            }
            if (!shard.equals(shardId) && listedNow.contains(shard)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A one-item lease write, bounded by {@code renewInterval}: a call that gets no answer (a half-open
     * connection; the SDK's read timeout is 30 s) must not hold a loop, a hand-off or a release.
     */
    private <T> Mono<T> write(Mono<T> call) {
        return bounded(call, options.renewInterval());
    }

    private <T> Mono<T> bounded(Mono<T> call, Duration timeout) {
        return call.timeout(timeout, scheduler);
    }

    private long now() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return "LeaseCoordinator{worker=" + workerId + ", held=" + held.keySet() + "}";
    }
}
