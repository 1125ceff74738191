package io.github.ddbstreams.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The end-to-end benchmark's machinery on a tiny stream: contenders (a) and (b), one run each. */
class EndToEndBenchmarkSmokeIntegrationTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void run_whenTinyStream_drainsItWithBareLoopAndReceiverAndWritesResults(@TempDir Path out) throws Exception {
        Results results = EndToEndBenchmark.run(EndToEndBenchmark.Options.parse(
                "--records", "2000", "--reps", "1", "--contenders", "a,b", "--phases", "drain",
                "--timeout-seconds", "30", "--out", out.toString()));

        assertThat(results.drain).hasSize(2);
        assertThat(results.drain).allSatisfy(run -> {
            assertThat(run.records()).isEqualTo(2000);
            assertThat(run.getRecordsCalls()).isBetween(2L, 20L);
            assertThat(run.drainRecordsPerSecond()).isPositive();
        });
        assertThat(out.resolve("e2e-results.json")).isNotEmptyFile();
        assertThat(out.resolve("e2e-drain.csv")).isNotEmptyFile();
        assertThat(out.resolve("e2e-summary.md")).content().contains("(b)/(a)");
        assertThat(Files.size(out.resolve("e2e-chart.png"))).isGreaterThan(1000);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void run_latencyPhase_measuresEachContenderOnItsOwnServer_andReplotReadsTheResultsBack(@TempDir Path out,
            @TempDir Path replot) throws Exception {
        Results results = EndToEndBenchmark.run(EndToEndBenchmark.Options.parse(
                "--contenders", "a,b,b8", "--phases", "latency", "--rate", "50", "--write-seconds", "2",
                "--idle-seconds", "2", "--timeout-seconds", "30", "--out", out.toString()));

        // (a) is only the throughput ceiling: no latency run
        assertThat(results.latency).extracting(Results.LatencyRun::contender).containsExactly("b", "b8");
        assertThat(results.latency).allSatisfy(run -> {
            assertThat(run.records()).isEqualTo(100);
            assertThat(run.missing()).isZero();
            assertThat(run.p50Ms()).isLessThanOrEqualTo(run.p99Ms());
            assertThat(run.idleGetRecordsPerSecond()).isBetween(0.5, 4.5);
        });
        assertThat(out.resolve("e2e-summary.md")).content()
                .contains("(b) DynamoDbStreamsReceiver, LOW_LATENCY, minPollInterval 8 ms").contains("GetRecords/s while writing");

        EndToEndBenchmark.Options options = EndToEndBenchmark.Options.parse("--out", replot.toString());
        Results.readJson(out.resolve("e2e-results.json"), options).write(replot);
        assertThat(replot.resolve("e2e-latency.csv")).hasSameTextualContentAs(out.resolve("e2e-latency.csv"));
        assertThat(Files.size(replot.resolve("e2e-chart.png"))).isGreaterThan(1000);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void run_frontPhase_measuresEachRateWithOneStartPerContender(@TempDir Path out, @TempDir Path replot) throws Exception {
        Results results = EndToEndBenchmark.run(EndToEndBenchmark.Options.parse(
                "--phases", "front", "--front-contenders", "b,bl", "--front-rates", "20,0", "--front-seconds", "2",
                "--front-idle-settle-seconds", "1", "--timeout-seconds", "30", "--out", out.toString()));

        assertThat(results.front).extracting(r -> r.contender() + "@" + r.writesPerSecond())
                .containsExactly("b@20", "b@0", "bl@20", "bl@0");
        assertThat(results.front).filteredOn(r -> r.writesPerSecond() == 20).allSatisfy(run -> {
            assertThat(run.records()).isEqualTo(40);
            assertThat(run.missing()).isZero();
            assertThat(run.p50Ms()).isLessThanOrEqualTo(run.p99Ms());
        });
        // the default keeps to its budget of 4 calls/s (a call may straddle the 2 s window)
        assertThat(results.front.get(0).getRecordsPerSecond()).isLessThanOrEqualTo(5);
        assertThat(results.front).filteredOn(r -> r.writesPerSecond() == 0)
                .allSatisfy(run -> assertThat(run.p50Ms()).isNaN());
        assertThat(out.resolve("e2e-summary.md")).content().contains("Latency/cost front").contains("Lambda trigger");
        assertThat(Files.size(out.resolve("e2e-front.png"))).isGreaterThan(1000);

        EndToEndBenchmark.Options options = EndToEndBenchmark.Options.parse("--out", replot.toString());
        Results.readJson(out.resolve("e2e-results.json"), options).write(replot);
        assertThat(replot.resolve("e2e-front.csv")).hasSameTextualContentAs(out.resolve("e2e-front.csv"));
    }
}
