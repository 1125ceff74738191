package io.github.ddbstreams.lease.internal.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease protocol under {@link LeaseSimulation}: N workers, one virtual clock, one seed choosing every fault
 * (lease-table throttles, 5xx, read timeouts, lost responses; workers killed, paused past failoverTime and
 * resumed, joining and leaving, restarted with the id of a dead or live worker; shards rolling over and
 * splitting). Invariants, checked after every 100 ms step:
 * <ul>
 *   <li>no two live workers, paused ones included, may emit one shard's records ({@code held(shard) != null}) at
 *       the same step ({@link LeaseSimulation#OVERLAP_MS}: fencing by the local clock);</li>
 *   <li>a worker that believes it holds a shard is its owner in the table, or learns otherwise within
 *       {@link LeaseSimulation#WINDOW_MS} (failoverTime + renewInterval);</li>
 *   <li>a lease's counter never goes back, and a deleted (ended) lease is never created again (ended leases are
 *       deleted only once their shard left the stream; shards are trimmed {@link LeaseSimulation#RETENTION_MS}
 *       after closing, and the application may be down for longer than that);</li>
 *   <li>after a quiet phase (faults stop), every shard whose parents ended is read by a worker (no stall), and
 *       no worker holds more than ceil(shards / workers) + 1 leases.</li>
 * </ul>
 * A failing seed replays exactly: {@code LeaseSimulation.run(seed)}; the assertion message names it.
 *
 * <p>{@code mvn verify} runs the fixed seeds below. Thousands of random seeds:
 * <pre>
 * mvn -B -ntp -o test -pl reactor-ddb-streams/core -am -Dtest=LeaseProtocolSimulationTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dlease.sim.seeds=5000
 * </pre>
 * (optionally {@code -Dlease.sim.firstSeed=N} to run the seeds N, N+1, ... instead of random ones).
 */
class LeaseProtocolSimulationTest {

    private static final Logger log = LoggerFactory.getLogger(LeaseProtocolSimulationTest.class);
    /**
     * Seeds 1 to 12, and some that failed before a fix: 77206, 77638 and 78002 (a deleted ended lease created again)
     * and 77165 (a stall: a child waiting for a parent whose ended lease was deleted while it was still listed).
     */
    private static final long[] FIXED_SEEDS = LongStream.concat(LongStream.rangeClosed(1, 12),
            LongStream.of(77206, 77638, 78002, 77165)).toArray();

    private static Level leaseLevel;

    @BeforeAll
    static void quiet() {
        // thousands of expected warnings (renew failures, lost leases) per seed
        ch.qos.logback.classic.Logger lease = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
                "io.github.ddbstreams.lease.internal.LeaseCoordinator");
        leaseLevel = lease.getLevel();
        lease.setLevel(Level.OFF);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("reactor")).setLevel(Level.OFF);
    }

    @AfterAll
    static void restore() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.github.ddbstreams.lease.internal.LeaseCoordinator"))
                .setLevel(leaseLevel);
    }

    @Test
    void fixedSeeds_keepEveryInvariant() {
        assertSeeds(FIXED_SEEDS);
    }

    @Test
    void randomSeeds_keepEveryInvariant_whenAskedFor() {
        int count = Integer.getInteger("lease.sim.seeds", 0);
        if (count == 0) {
            return;
        }
        Long first = Long.getLong("lease.sim.firstSeed");
        SplittableRandom seeds = new SplittableRandom();
        long[] chosen = new long[count];
        for (int i = 0; i < count; i++) {
            chosen[i] = first != null ? first + i : seeds.nextLong();
        }
        assertSeeds(chosen);
    }

    /** {@code -Dlease.sim.replay=SEED}: one seed with the coordinators' logs, to read how it broke. */
    @Test
    void replay_whenAskedFor() {
        Long seed = Long.getLong("lease.sim.replay");
        if (seed == null) {
            return;
        }
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.github.ddbstreams.lease")).setLevel(Level.DEBUG);
        LeaseSimulation.Result result = LeaseSimulation.run(seed);
        log.info("Replay of seed {}: {}", seed, result);
    }

    private static void assertSeeds(long[] seeds) {
        long started = System.nanoTime();
        List<String> failures = new ArrayList<>();
        double workerHours = 0;
        long calls = 0;
        Map<SimLeaseTable.Fault, Long> tableFaults = new EnumMap<>(SimLeaseTable.Fault.class);
        Map<String, Long> workerFaults = new LinkedHashMap<>();
        for (long seed : seeds) {
            LeaseSimulation.Result result;
            try {
                result = LeaseSimulation.run(seed);
            } catch (RuntimeException e) {
                failures.add("seed " + seed + ": the simulation itself failed: " + e);
                continue;
            }
            workerHours += result.workerHours();
            calls += result.tableCalls();
            result.tableFaults().forEach((k, v) -> tableFaults.merge(k, v, Long::sum));
            result.workerFaults().forEach((k, v) -> workerFaults.merge(k, v, Long::sum));
            if (!result.violations().isEmpty()) {
                failures.add("seed " + seed + ": " + result.violations().get(0));
            }
        }
        log.info("Lease simulation: {} seeds, {} failed, {} simulated worker-hours, {} table calls, table faults {}, "
                        + "worker and stream events {}, {} s", seeds.length, failures.size(), String.format("%.1f", workerHours),
                calls, tableFaults, workerFaults, (System.nanoTime() - started) / 1_000_000_000);
        for (String failure : failures) {
            log.info("Lease simulation violation: {}", failure);
        }
        assertThat(failures).as("seeds that broke an invariant (replay one with LeaseSimulation.run(seed))").isEmpty();
    }
}
