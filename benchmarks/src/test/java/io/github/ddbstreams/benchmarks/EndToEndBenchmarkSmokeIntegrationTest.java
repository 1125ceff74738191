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
}
