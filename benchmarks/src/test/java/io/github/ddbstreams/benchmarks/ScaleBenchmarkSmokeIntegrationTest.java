package io.github.ddbstreams.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.testkit.SimulatedStreamsService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The scale benchmark's machinery on a small simulated stream: the bare loop and the receiver, one run each. */
class ScaleBenchmarkSmokeIntegrationTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void run_when50Shards_drainsAndMeasuresSteadyLatencyWithBareLoopAndReceiver(@TempDir Path out) throws Exception {
        List<ScaleBenchmark.Run> runs = ScaleBenchmark.run(ScaleBenchmark.Options.parse(
                "--shards", "50", "--backlog-per-shard", "10", "--steady-rate", "100", "--steady-seconds", "2",
                "--latency-ms", "1,3", "--contenders", "bare,receiver", "--timeout-seconds", "30",
                "--out", out.toString()));

        assertThat(runs).extracting(ScaleBenchmark.Run::contender).containsExactly("bare", "receiver");
        assertThat(runs).allSatisfy(run -> {
            assertThat(run.drained()).isEqualTo(500);
            assertThat(run.drainRecordsPerSecond()).isPositive();
            assertThat(run.drainCalls().get(SimulatedStreamsService.GET_SHARD_ITERATOR)).isEqualTo(50);
            assertThat(run.steadyRecords()).isEqualTo(200);
            assertThat(run.steadyMissing()).isZero();
            assertThat(run.p50Ms()).isLessThanOrEqualTo(run.p99Ms());
        });
        assertThat(out.resolve("scale-summary.md")).content().contains("receiver / bare loop");
        assertThat(out.resolve("scale.csv")).content().contains("receiver,50,500,500");
        assertThat(Files.size(out.resolve("scale-chart.png"))).isGreaterThan(1000);
    }
}
