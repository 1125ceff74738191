package io.github.ddbstreams.lease.internal.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.lease.internal.Lease;
import io.github.ddbstreams.lease.internal.LeaseCoordinator;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * One run of the lease protocol: N {@link LeaseCoordinator}s on one virtual clock sharing a {@link SimLeaseTable}
 * and a simulated stream whose shards roll over (and sometimes split), every choice drawn from one seeded
 * {@link Random}, so a seed replays exactly. Closed shards leave the stream {@link #RETENTION_MS} after closing
 * (trimmed). A fault phase (table faults, kills, pauses past failoverTime, joins, graceful leaves, at most one
 * application downtime longer than the retention) is followed by a quiet phase (no faults, every pause resumed) after which every shard
 * must have an owner and leases must be balanced. Invariants are checked after every step of {@value #STEP_MS} ms.
 *
 * <p>The simulated receiver does what {@code LeaseAssignment} does with the coordinator: reads a shard while
 * {@code held(shard) != null}, checkpoints through {@code checkpointStore()}, saves the shard as ended once a
 * closed shard was read, and on a hand-off request commits, then calls {@code handOff} (a failure is only logged).
 */
public final class LeaseSimulation {

    static final long STEP_MS = 100;
    static final Duration FAILOVER = Duration.ofSeconds(10);
    static final Duration RENEW = FAILOVER.dividedBy(3);
    /**
     * How long a worker may believe it holds a shard the table gives to another (it learns at its next renewal,
     * a call bounded by renewInterval, or is fenced by then).
     */
    static final long WINDOW_MS = FAILOVER.toMillis() + RENEW.toMillis();
    /**
     * How long two workers (paused ones included) may both be allowed to emit one shard's records: never, at a
     * 100 ms step. Fencing by the local clock (LeaseCoordinator.provablyHeld) stops the old owner before the new
     * one can take the lease; what remains is a pause between that check and one emission, outside this model.
     */
    static final long OVERLAP_MS = 0;
    static final long FAULT_PHASE_MS = Duration.ofMinutes(10).toMillis();
    static final long QUIET_PHASE_MS = Duration.ofMinutes(5).toMillis();
    static final long READ_MS = 2_000;
    /** How long a closed shard stays listed by the stream (DynamoDB: 24 h), then it is trimmed. */
    static final long RETENTION_MS = Duration.ofMinutes(2).toMillis();

    /** What a run found and did. */
    public record Result(long seed, List<String> violations, double workerHours, Map<SimLeaseTable.Fault, Long> tableFaults,
            Map<String, Long> workerFaults, long tableCalls) {
    }

    private final long seed;
    private final Random random;
    private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    private final SimLeaseTable table;
    private final List<SimWorker> workers = new ArrayList<>();
    private final Map<String, List<String>> shards = new LinkedHashMap<>();
    private final List<String> open = new ArrayList<>();
    private final Map<String, Long> closedAt = new LinkedHashMap<>();
    private final java.util.Set<String> trimmed = new java.util.HashSet<>();
    /** While the application is down (every worker stopped, longer than retention), until then. */
    private long downUntil = -1;
    private final Map<String, Long> overlapSince = new HashMap<>();
    private final Map<String, Long> staleSince = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final Map<String, Long> workerFaults = new LinkedHashMap<>();
    private long workerMillis;
    private int nextWorker;
    private int nextShard;
    private long sequence;

    public LeaseSimulation(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
        this.table = new SimLeaseTable(clock, random);
        for (String kind : List.of("kill", "pause", "join", "leave", "rollover", "split", "trim", "downtime")) {
            workerFaults.put(kind, 0L);
        }
    }

    public static Result run(long seed) {
        return new LeaseSimulation(seed).run();
    }

    Result run() {
        int roots = 2 + random.nextInt(7);
        for (int i = 0; i < roots; i++) {
            newShard(List.of());
        }
        int initial = 2 + random.nextInt(4);
        for (int i = 0; i < initial; i++) {
            join();
        }
        table.faultRate(0.02 + random.nextDouble() * 0.13);
        long end = FAULT_PHASE_MS;
        while (now() < end && violations.isEmpty()) {
            chaos();
            step();
        }
        if (downUntil >= 0) {
            restartAfterDowntime();
        }
        // quiet: no more faults, every paused worker resumes, the stream stands still
        table.faultRate(0);
        for (SimWorker worker : workers) {
            if (worker.clock.paused()) {
                worker.clock.resume();
            }
        }
        if (live().isEmpty()) {
            join();
        }
        end = now() + QUIET_PHASE_MS;
        while (now() < end && violations.isEmpty()) {
            step();
        }
        if (violations.isEmpty()) {
            checkSettled();
        }
        violations.addAll(0, table.violations());
        return new Result(seed, violations, workerMillis / 3_600_000.0, new EnumMap<>(table.faults()), workerFaults,
                table.calls());
    }

    private long now() {
        return clock.now(TimeUnit.MILLISECONDS);
    }

    private List<SimWorker> live() {
        return workers.stream().filter(w -> !w.clock.dead()).toList();
    }

    // ------------------------------------------------------------------ the world

    private String newShard(List<String> parents) {
        String id = String.format("shard-%04d", nextShard++);
        shards.put(id, parents);
        open.add(id);
        return id;
    }

    private boolean closed(String shardId) {
        return !open.contains(shardId);
    }

    private void close(String shardId) {
        open.remove(shardId);
        closedAt.put(shardId, now());
    }

    /** Closed shards older than the retention leave the stream. */
    private void trim() {
        for (Map.Entry<String, Long> closed : closedAt.entrySet()) {
            if (now() - closed.getValue() >= RETENTION_MS && trimmed.add(closed.getKey())) {
                workerFaults.merge("trim", 1L, Long::sum);
            }
        }
    }

    /** The stream's listing: every shard not trimmed. */
    private java.util.Set<String> listed() {
        java.util.Set<String> listed = new java.util.HashSet<>(shards.keySet());
        listed.removeAll(trimmed);
        return listed;
    }

    private void discover() {
        // as the receiver: the describer lists the stream, and hands the coordinator the shards it knows (it may
        // remember trimmed ones) and the ones the stream lists; the others learn the shards from the leases
        Map<String, List<String>> snapshot = Map.copyOf(shards);
        java.util.Set<String> listed = listed();
        for (SimWorker worker : live()) {
            worker.clock.schedule(() -> {
                if (worker.coordinator.isDescriber()) {
                    worker.known.putAll(snapshot);
                    worker.coordinator.shardsDiscovered(Map.copyOf(worker.known), listed);
                } else {
                    for (Lease lease : worker.coordinator.leases()) {
                        worker.known.put(lease.shardId(), lease.parentShardIds());
                    }
                    worker.coordinator.shardsDiscovered(Map.copyOf(worker.known), null);
                }
            });
        }
    }

    /** At a shard's end its reader asks for just its children (a ShardFilter query): the new shards, not a listing. */
    private void childrenFound(String parent, Map<String, List<String>> children) {
        String owner = table.owner(parent);
        for (SimWorker worker : live()) {
            if (worker.id.equals(owner) || worker.coordinator.isDescriber()) {
                worker.clock.schedule(() -> {
                    worker.known.putAll(children);
                    worker.coordinator.shardsDiscovered(Map.copyOf(worker.known), null);
                });
            }
        }
    }

    private void join() {
        String id;
        List<String> reusable = workers.stream().map(w -> w.id).distinct().toList();
        if (!reusable.isEmpty() && random.nextInt(3) == 0) {
            // restarted with the same id, sometimes while a process with that id still lives (a fixed workerId
            // reused by two processes: each writes its own instance token with its leases)
            id = reusable.get(random.nextInt(reusable.size()));
        } else {
            id = "worker-" + nextWorker++;
        }
        SimWorker worker = new SimWorker(id);
        workers.add(worker);
        event("JOINED", worker);
        Map<String, List<String>> known = new HashMap<>();
        java.util.Set<String> listed = listed();
        shards.forEach((shardId, parents) -> {
            if (listed.contains(shardId)) {
                known.put(shardId, parents);
            }
        });
        worker.clock.schedule(() -> {
            worker.known.putAll(known);
            worker.coordinator.start();
            worker.coordinator.shardsDiscovered(known, listed);
        });
    }

    private void chaos() {
        if (downUntil >= 0) {
            if (now() >= downUntil) {
                restartAfterDowntime();
            } else if (random.nextInt(1000) < 5 && shards.size() < 60) {
                rollover();
            }
            return;
        }
        List<SimWorker> live = live();
        if (random.nextInt(20_000) == 0 && workerFaults.get("downtime") == 0) {
            // the application is down for longer than the retention: every worker stops, the stream goes on
            for (SimWorker victim : live) {
                victim.coordinator.stop();
                victim.clock.kill();
                event("KILLED (downtime)", victim);
            }
            downUntil = now() + RETENTION_MS + random.nextInt((int) RETENTION_MS);
            workerFaults.merge("downtime", 1L, Long::sum);
            return;
        }
        if (live.isEmpty()) {
            // the last worker left or was killed while another was leaving: the operator starts one
            join();
            return;
        }
        int roll = random.nextInt(1000);
        if (roll < 3 && live.size() > 1) {
            SimWorker victim = live.get(random.nextInt(live.size()));
            victim.coordinator.stop();
            victim.clock.kill();
            event("KILLED", victim);
            workerFaults.merge("kill", 1L, Long::sum);
        } else if (roll < 6) {
            SimWorker victim = live.get(random.nextInt(live.size()));
            if (!victim.clock.paused()) {
                victim.clock.pause();
                event("PAUSED", victim);
                long pause = FAILOVER.toMillis() / 2 + random.nextInt((int) (3 * FAILOVER.toMillis()));
                clock.schedule(() -> {
                    if (victim.clock.paused()) {
                        event("RESUMED", victim);
                        victim.clock.resume();
                    }
                }, pause, TimeUnit.MILLISECONDS);
                workerFaults.merge("pause", 1L, Long::sum);
            }
        } else if (roll < 9 && live.size() < 6) {
            join();
            workerFaults.merge("join", 1L, Long::sum);
        } else if (roll < 11 && live.size() > 1) {
            SimWorker leaving = live.get(random.nextInt(live.size()));
            if (!leaving.clock.paused()) {
                workerFaults.merge("leave", 1L, Long::sum);
                event("LEAVING", leaving);
                leaving.coordinator.releaseAll().subscribe(v -> { }, e -> { }, () -> {
                    leaving.clock.kill();
                });
                clock.schedule(leaving.clock::kill, 5_000, TimeUnit.MILLISECONDS);
            }
        } else if (roll < 16 && shards.size() < 60) {
            rollover();
        }
    }

    private void restartAfterDowntime() {
        downUntil = -1;
        int restarted = 1 + random.nextInt(3);
        for (int i = 0; i < restarted; i++) {
            join();
        }
    }

    private void rollover() {
        String parent = open.get(random.nextInt(open.size()));
        close(parent);
        boolean split = random.nextInt(8) == 0;
        java.util.Set<String> before = new java.util.HashSet<>(shards.keySet());
        newShard(List.of(parent));
        if (split) {
            newShard(List.of(parent));
        }
        workerFaults.merge(split ? "split" : "rollover", 1L, Long::sum);
        Map<String, List<String>> children = new HashMap<>(shards);
        children.keySet().removeAll(before);
        childrenFound(parent, children);
    }

    private void step() {
        for (SimWorker worker : live()) {
            if (!worker.clock.paused()) {
                worker.read();
            }
        }
        if (now() % 5_000 == 0) {
            trim();
            discover();
        }
        clock.advanceTimeBy(Duration.ofMillis(STEP_MS));
        workerMillis += STEP_MS * live().size();
        check();
    }

    // ------------------------------------------------------------------ invariants

    private void check() {
        long now = now();
        // Paused workers count too: a paused worker's receiver emits what it buffered the moment it resumes,
        // unless its lease is fenced by then (held() is null once it was not proven held recently enough).
        List<SimWorker> running = live();
        java.util.Set<String> stale = new java.util.HashSet<>();
        for (String shardId : shards.keySet()) {
            List<String> holders = new ArrayList<>();
            for (SimWorker worker : running) {
                if (worker.coordinator.held(shardId) != null) {
                    holders.add(worker.id + "#" + worker.serial);
                    if (!worker.id.equals(table.owner(shardId))) {
                        String key = worker.serial + "|" + shardId;
                        stale.add(key);
                        long since = staleSince.computeIfAbsent(key, k -> now);
                        if (now - since > WINDOW_MS) {
                            fail("worker " + worker.id + " believes it holds " + shardId + " for " + (now - since)
                                    + " ms while the table says owner " + table.owner(shardId));
                        }
                    }
                }
            }
            if (holders.size() > 1) {
                long since = overlapSince.computeIfAbsent(shardId, k -> now);
                if (now - since > OVERLAP_MS) {
                    fail("workers " + holders + " all may emit records of " + shardId + " for " + (now - since)
                            + " ms (allowed overlap " + OVERLAP_MS + " ms)");
                }
            } else {
                overlapSince.remove(shardId);
            }
        }
        staleSince.keySet().retainAll(stale);
    }

    private void checkSettled() {
        List<SimWorker> live = live();
        int eligible = 0;
        Map<String, Integer> perWorker = new HashMap<>();
        for (String shardId : shards.keySet()) {
            if (!table.ended(shardId) && trimmed.contains(shardId) && table.item(shardId) != null
                    && live.stream().anyMatch(w -> w.coordinator.held(shardId) != null)) {
                fail("after the quiet phase the unfinished lease of " + shardId + ", which left the stream, is held but"
                        + " not settled (table: " + table.item(shardId) + ")");
                continue;
            }
            if (table.ended(shardId) || (trimmed.contains(shardId) && table.item(shardId) == null)) {
                // read, or trimmed before anyone leased it (nothing left to read; its children do not wait)
                continue;
            }
            boolean parentsEnded = shards.get(shardId).stream()
                    .allMatch(parent -> table.ended(parent) || (trimmed.contains(parent) && table.item(parent) == null));
            if (!parentsEnded) {
                fail("after the quiet phase shard " + shardId + " waits for a parent that never ended: "
                        + shards.get(shardId));
                continue;
            }
            eligible++;
            List<String> holders = live.stream().filter(w -> w.coordinator.held(shardId) != null).map(w -> w.id).toList();
            if (holders.isEmpty()) {
                fail("stall: no worker reads shard " + shardId + " after the quiet phase (table: " + table.item(shardId) + ")");
            }
            for (String holder : holders) {
                perWorker.merge(holder, 1, Integer::sum);
            }
        }
        // processes sharing a worker id balance as one worker
        int ids = (int) live.stream().map(w -> w.id).distinct().count();
        int bound = (eligible + ids - 1) / ids + 1;
        for (Map.Entry<String, Integer> count : perWorker.entrySet()) {
            if (count.getValue() > bound) {
                fail("imbalance: worker " + count.getKey() + " holds " + count.getValue() + " of " + eligible
                        + " leases among " + live.size() + " workers (bound " + bound + "): " + perWorker);
            }
        }
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LeaseSimulation.class);

    private void event(String what, SimWorker worker) {
        if (log.isDebugEnabled()) {
            log.debug("t={} {} {}", now(), worker.clock, what);
        }
    }

    private void fail(String violation) {
        violations.add("t=" + now() + "ms " + violation);
    }

    // ------------------------------------------------------------------ a worker and its receiver

    private final class SimWorker implements LeaseCoordinator.Listener {
        final String id;
        final int serial = workers.size();
        final WorkerClock clock;
        final LeaseCoordinator coordinator;
        final Map<String, Long> readingSince = new HashMap<>();
        final Map<String, Boolean> saving = new HashMap<>();
        /** The shards this worker's receiver knows: its first listing, the leases, the children it asked for. */
        final Map<String, List<String>> known = new HashMap<>();

        SimWorker(String id) {
            this.id = id;
            this.clock = new WorkerClock(LeaseSimulation.this.clock, id + "#" + serial);
            LeaseOptions options = LeaseOptions.builder()
                    .client(table.clientFor(clock))
                    .tableName("leases")
                    .workerId(id)
                    .failoverTime(FAILOVER)
                    .build();
            this.coordinator = new LeaseCoordinator(options, "arn:sim:stream", clock, this);
        }

        @Override
        public void acquired(Lease lease) {
        }

        @Override
        public void lost(String shardId) {
            readingSince.remove(shardId);
        }

        @Override
        public void leftTheStream(Lease lease) {
            // as LeaseAssignment with a trimmed-data policy that continues: the gap is signalled, the shard ended
            clock.schedule(() -> commit(lease.shardId(), true).subscribe(v -> { }, e -> coordinator.settleFailed(lease.shardId())));
        }

        @Override
        public void handoffRequested(String shardId) {
            // as LeaseAssignment: stop reading, commit, then hand over; a failure is only logged
            readingSince.remove(shardId);
            clock.schedule(() -> commit(shardId, false)
                    .onErrorResume(e -> reactor.core.publisher.Mono.empty())
                    .then(coordinator.handOff(shardId))
                    .subscribe(v -> { }, e -> { }), random.nextInt(500), TimeUnit.MILLISECONDS);
        }

        private reactor.core.publisher.Mono<Void> commit(String shardId, boolean ended) {
            return coordinator.checkpointStore().save("arn:sim:stream",
                    List.of(new ShardCheckpoint(shardId, String.format("%012d", ++sequence), ended)));
        }

        void read() {
            long now = now();
            for (String shardId : shards.keySet()) {
                if (coordinator.held(shardId) == null || coordinator.shardLeftTheStream(shardId)) {
                    // a shard that left the stream cannot be read: its lease is settled through leftTheStream
                    readingSince.remove(shardId);
                    continue;
                }
                long since = readingSince.computeIfAbsent(shardId, k -> now);
                if (saving.getOrDefault(shardId, false) || random.nextInt(10) != 0) {
                    continue;
                }
                boolean ended = closed(shardId) && now - since >= READ_MS;
                saving.put(shardId, true);
                commit(shardId, ended).doFinally(s -> saving.remove(shardId)).subscribe(v -> { }, e -> { });
            }
        }
    }
}
