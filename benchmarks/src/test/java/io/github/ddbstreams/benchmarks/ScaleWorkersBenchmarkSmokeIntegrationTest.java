package io.github.ddbstreams.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The multi-worker scale benchmark's machinery on a small simulated stream: 3 workers in this JVM, 40 shards. */
class ScaleWorkersBenchmarkSmokeIntegrationTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void run_when3WorkersOn40Shards_balancesAfterStartJoinAndKill_losesNothing_readsNoShardTwice(@TempDir Path out)
            throws Exception {
        ScaleWorkersBenchmark.Result result = ScaleWorkersBenchmark.run(ScaleWorkersBenchmark.Options.parse(
                "--label", "smoke", "--workers", "3", "--shards", "40", "--backlog-per-shard", "2", "--rate", "20",
                "--failover-ms", "3000", "--steady-seconds", "6", "--even-wait-ms", "1000", "--poll-ms", "250", "--latency-ms", "1,3",
                "--balance-timeout-seconds", "60", "--settle-seconds", "30", "--out", out.toString()));

        assertThat(result.balances()).extracting(ScaleWorkersBenchmark.Balance::event)
                .containsExactly("cold start", "join", "kill");
        assertThat(result.balances()).allSatisfy(balance -> assertThat(balance.reached()).as(balance.toString()).isTrue());
        assertThat(result.lost()).isZero();
        // a lease that expires under load (its renewals late) repeats the records after its checkpoint: not counted
        assertThat(result.concurrentDoubleReads()).isZero();
        assertThat(result.alternations()).as("%s", result.alternationExamples()).isZero();
        assertThat(result.written()).isEqualTo(result.deliveredDistinct());
        // While no record arrives the lease table gets only what the protocol writes: each lease renewed once per
        // renewInterval (a window of `seconds` may hold one more renewal round of a worker than its length: the
        // rounds are not aligned with the window), each worker's presence item once per take interval, and the
        // describer's role at its renewals and its take ticks. The cost target (≤ 1.1 × shards/renewInterval at
        // scale, where the per-worker writes are negligible) is the benchmark report's, not this test's.
        ScaleWorkersBenchmark.Window idle = result.window("idle");
        double renewSeconds = result.renewMs() / 1000.0;
        double takeSeconds = result.takeMs() / 1000.0;
        double protocolMaximum = result.leaseWritesTarget() * (1 + renewSeconds / idle.seconds())
                + (result.workers() + 1) / takeSeconds + 1 / renewSeconds;
        assertThat(idle.leaseWritesPerSecond()).as("idle lease writes/s, %s", idle).isPositive()
                .isLessThanOrEqualTo(protocolMaximum);
        // records flow while writing: their checkpoints are told from the protocol's writes (the report's split)
        ScaleWorkersBenchmark.Window writing = result.window("writing");
        assertThat(writing.checkpointWritesPerSecond()).as("checkpoint writes/s while writing, %s", writing).isPositive();
        assertThat(idle.leaseCallsPerSecond().get(CallCounter.RENEWAL_WRITE)).as("renewals/s, idle, %s", idle).isPositive()
                .isLessThanOrEqualTo(result.leaseWritesTarget() * (1 + renewSeconds / idle.seconds()));
        assertThat(writing.protocolWritesPerSecond()).as("protocol writes/s while writing, %s", writing)
                .isPositive().isLessThanOrEqualTo(protocolMaximum);
        assertThat(out.resolve("scale-workers-summary.md")).content().contains("| smoke (one JVM) | 3 → 4 → 3 | 40 |");
        assertThat(Files.size(out.resolve("scale-workers-chart.png"))).isGreaterThan(1000);

        Path combined = out.resolve("combined");
        ScaleWorkersBenchmark.combine(java.util.List.of(out), combined);
        assertThat(combined.resolve("scale-workers-summary.md")).content().contains("| smoke (one JVM) |");
    }
}
