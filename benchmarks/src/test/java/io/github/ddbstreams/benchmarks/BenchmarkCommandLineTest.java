package io.github.ddbstreams.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.ddbstreams.benchmarks.ScaleWorkersBenchmark.Pacing;
import io.github.ddbstreams.benchmarks.ScaleWorkersBenchmark.Setup;
import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.receiver.ReceiverOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

class BenchmarkCommandLineTest {

    /** The benchmarks' README, from the module directory (surefire's working directory). */
    private static final Path README = Path.of("README.md");
    /** A documented command: the main class's simple name, then its arguments up to a closing back-tick. */
    private static final Pattern COMMAND =
            Pattern.compile("\\b(EndToEndBenchmark|ScaleBenchmark|ScaleWorkersBenchmark)((?:\\s+--[^`]*)?)");
    private static final Pattern OPTION_NAME = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*");

    private static final Map<String, Supplier<Callable<Integer>>> MAINS = Map.of(
            "EndToEndBenchmark", EndToEndBenchmark.Options::new,
            "ScaleBenchmark", ScaleBenchmark.Options::new,
            "ScaleWorkersBenchmark", ScaleWorkersBenchmark.Options::new);

    @Test
    void readme_everyDocumentedCommandParses() throws IOException {
        List<Map.Entry<String, List<String>>> commands = documentedCommands();

        Map<String, Integer> perMain = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> command : commands) {
            // throws a ParameterException naming the option when the README and the options disagree
            Cli.parse(MAINS.get(command.getKey()).get(), command.getValue().toArray(String[]::new));
            perMain.merge(command.getKey(), 1, Integer::sum);
        }
        // the extraction found the README's commands (not none): as many as when this test was written, or more
        assertThat(perMain.get("EndToEndBenchmark")).isGreaterThanOrEqualTo(10);
        assertThat(perMain.get("ScaleBenchmark")).isGreaterThanOrEqualTo(3);
        assertThat(perMain.get("ScaleWorkersBenchmark")).isGreaterThanOrEqualTo(4);
    }

    @Test
    void readme_everyOptionOfTheOptionsParagraphsExists() throws IOException {
        String readme = Files.readString(README);
        Matcher paragraphs = Pattern.compile("(?s)\\nOptions: (.*?)\\n\\n").matcher(readme);
        int checked = 0;
        while (paragraphs.find()) {
            // the paragraph follows the commands of its main
            String main = lastMainBefore(readme, paragraphs.start());
            Set<String> names = optionNames(MAINS.get(main).get());
            Matcher option = OPTION_NAME.matcher(paragraphs.group(1));
            while (option.find()) {
                assertThat(names).as("%s option in the README", main).contains(option.group());
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(50);
    }

    @Test
    void endToEnd_defaultsAreTheDocumentedOnes() {
        EndToEndBenchmark.Options o = EndToEndBenchmark.Options.parse();

        assertThat(o.records).isEqualTo(200_000);
        assertThat(o.reps).isEqualTo(3);
        assertThat(o.kclReps).isEqualTo(Integer.MAX_VALUE);
        assertThat(o.contenders).containsExactly("a", "b", "bf", "c1", "c2");
        assertThat(o.phases).containsExactly("drain", "latency", "memory");
        assertThat(o.frontContenders).containsExactly("b", "bl", "c1", "c2");
        assertThat(o.frontRates).containsExactly(1, 10, 200, 0);
        assertThat(o.frontSeconds).isEqualTo(40);
        assertThat(o.frontIdleSettleSeconds).isEqualTo(32);
        assertThat(o.rate).isEqualTo(200);
        assertThat(o.writeSeconds).isEqualTo(30);
        assertThat(o.idleSeconds).isEqualTo(30);
        assertThat(o.memoryRecords).isEqualTo(300_000);
        assertThat(o.sinkSlowdown).isEqualTo(10);
        assertThat(o.heapSampleSeconds).isEqualTo(5);
        assertThat(o.kclTunedIdleMillis).isZero();
        assertThat(o.timeoutSeconds).isEqualTo(600);
        assertThat(o.out).isEqualTo(Path.of("benchmarks", "results"));
        assertThat(o.drainFrom).isNull();
        assertThat(o.replot).isNull();
    }

    @Test
    void endToEnd_listsReplaceTheDefaults() {
        EndToEndBenchmark.Options o = EndToEndBenchmark.Options.parse("--contenders", "a,b", "--phases", "front",
                "--front-rates", "20,0", "--drain-from", "e2e-drain.csv", "--kcl-tuned-idle-ms", "250");

        assertThat(o.contenders).containsExactly("a", "b");
        assertThat(o.phases).containsExactly("front");
        assertThat(o.frontRates).containsExactly(20, 0);
        assertThat(o.drainFrom).isEqualTo(Path.of("e2e-drain.csv"));
        assertThat(o.kclTunedIdleMillis).isEqualTo(250);
    }

    @Test
    void scale_defaultsAndRanges() {
        ScaleBenchmark.Options defaults = ScaleBenchmark.Options.parse();
        ScaleBenchmark.Options one = ScaleBenchmark.Options.parse("--latency-ms", "7", "--steady-rate", "1500.5");
        ScaleBenchmark.Options two = ScaleBenchmark.Options.parse("--latency-ms", "1,3");

        assertThat(defaults.shards).isEqualTo(1000);
        assertThat(defaults.backlogPerShard).isEqualTo(100);
        assertThat(defaults.steadyRate).isEqualTo(2000);
        assertThat(defaults.steadySeconds).isEqualTo(30);
        assertThat(defaults.latencyMs).isEqualTo(new Cli.Range(5, 15));
        assertThat(defaults.maxConcurrentCalls).isEqualTo(ReceiverOptions.DEFAULT_MAX_CONCURRENT_CALLS);
        assertThat(defaults.serverThreads).isEqualTo(8);
        assertThat(defaults.seed).isEqualTo(14);
        assertThat(defaults.timeoutSeconds).isEqualTo(600);
        assertThat(defaults.contenders).containsExactly("bare", "receiver", "kcl");
        assertThat(defaults.out).isEqualTo(Path.of("benchmarks/results/scale"));
        assertThat(one.latencyMs).isEqualTo(new Cli.Range(7, 7));
        assertThat(one.steadyRate).isEqualTo(1500.5);
        assertThat(two.latencyMs).isEqualTo(new Cli.Range(1, 3));
    }

    @Test
    void scaleWorkers_defaultsAndValues() {
        ScaleWorkersBenchmark.Options defaults = ScaleWorkersBenchmark.Options.parse();
        ScaleWorkersBenchmark.Options given = ScaleWorkersBenchmark.Options.parse("--processes", "true",
                "--join-and-kill", "false", "--kill", "follower", "--failover-ms", "3000", "--renew-ms", "500",
                "--combine", "runs/a,runs/b", "--label", "4 processes, failover 30 s");

        assertThat(defaults.label).isEqualTo("run");
        assertThat(defaults.workers).isEqualTo(10);
        assertThat(defaults.shards).isEqualTo(1000);
        assertThat(defaults.processes).isFalse();
        assertThat(defaults.backlogPerShard).isEqualTo(5);
        assertThat(defaults.rate).isEqualTo(200);
        assertThat(defaults.steadySeconds).isEqualTo(20);
        assertThat(defaults.failoverMs).isEqualTo(LeaseOptions.DEFAULT_FAILOVER_TIME.toMillis());
        assertThat(defaults.renewMs()).isEqualTo(defaults.failoverMs / 3);
        assertThat(defaults.takeMs()).isEqualTo(defaults.failoverMs / 2);
        assertThat(defaults.evenWaitMs()).isEqualTo(Math.max(10_000, 3 * defaults.takeMs()));
        assertThat(defaults.pollMs).isEqualTo(1000);
        assertThat(defaults.pollIntervalMs).isZero();
        assertThat(defaults.idleAfterMs).isZero();
        assertThat(defaults.idlePollMs).isZero();
        assertThat(defaults.joinAndKill).isTrue();
        assertThat(defaults.balanceTimeoutSeconds).isEqualTo(180);
        assertThat(defaults.settleSeconds).isEqualTo(90);
        assertThat(defaults.latencyMs).isEqualTo(new Cli.Range(5, 15));
        assertThat(defaults.serverThreads).isEqualTo(8);
        assertThat(defaults.maxConcurrentCalls).isEqualTo(ReceiverOptions.DEFAULT_MAX_CONCURRENT_CALLS);
        assertThat(defaults.kill).isEqualTo(ScaleWorkersBenchmark.Kill.DESCRIBER);
        assertThat(defaults.workerHeapMb).isEqualTo(384);
        assertThat(defaults.seed).isEqualTo(14);
        assertThat(defaults.combine).isEmpty();
        assertThat(defaults.out).isEqualTo(Path.of("benchmarks/results/scale-workers"));

        assertThat(given.processes).isTrue();
        assertThat(given.joinAndKill).isFalse();
        assertThat(given.kill).isEqualTo(ScaleWorkersBenchmark.Kill.FOLLOWER);
        assertThat(given.renewMs()).isEqualTo(500);
        assertThat(given.takeMs()).isEqualTo(1500);
        assertThat(given.combine).containsExactly(Path.of("runs/a"), Path.of("runs/b"));
        assertThat(given.label).isEqualTo("4 processes, failover 30 s");
    }

    @Test
    void workerMain_readsBackTheCommandLineItIsStartedWith() {
        Setup setup = new Setup(URI.create("http://127.0.0.1:4567"), URI.create("http://127.0.0.1:8000"),
                "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000", "leases", 30_000,
                10_000, 15_000, 64, new Pacing(1000, 2000, 10_000));
        Path dir = Path.of("target", "workers").toAbsolutePath();

        ScaleWorkersBenchmark.WorkerMain.Arguments read = Cli.parse(new ScaleWorkersBenchmark.WorkerMain.Arguments(),
                ScaleWorkersBenchmark.WorkerMain.arguments("w3", setup, dir).toArray(String[]::new));

        assertThat(read.setup()).isEqualTo(setup);
        assertThat(read.workerId).isEqualTo("w3");
        assertThat(read.dir).isEqualTo(dir);
        assertThatThrownBy(() -> Cli.parse(new ScaleWorkersBenchmark.WorkerMain.Arguments(), "--worker-id", "w1"))
                .isInstanceOf(ParameterException.class).hasMessageContaining("Missing required options")
                .hasMessageContaining("--streams");
    }

    @Test
    void badValue_isAnErrorNamingTheOption() {
        assertThatThrownBy(() -> EndToEndBenchmark.Options.parse("--records", "many"))
                .isInstanceOf(ParameterException.class)
                .hasMessage("Invalid value for option '--records': 'many' is not an int");
        assertThatThrownBy(() -> EndToEndBenchmark.Options.parse("--front-rates", "1,ten"))
                .isInstanceOf(ParameterException.class).hasMessageContaining("option '--front-rates'")
                .hasMessageContaining("'ten' is not an int");
        assertThatThrownBy(() -> ScaleBenchmark.Options.parse("--latency-ms", "15,5"))
                .isInstanceOf(ParameterException.class).hasMessageContaining("option '--latency-ms'")
                .hasMessageContaining("0 <= MIN <= MAX");
        assertThatThrownBy(() -> ScaleBenchmark.Options.parse("--latency-ms", "5,x"))
                .isInstanceOf(ParameterException.class).hasMessageContaining("option '--latency-ms'")
                .hasMessageContaining("'5,x' is not MIN,MAX or one number");
        assertThatThrownBy(() -> ScaleWorkersBenchmark.Options.parse("--kill", "everyone"))
                .isInstanceOf(ParameterException.class).hasMessageContaining("option '--kill'")
                .hasMessageContaining("everyone");
        assertThatThrownBy(() -> ScaleWorkersBenchmark.Options.parse("--processes", "yes"))
                .isInstanceOf(ParameterException.class).hasMessageContaining("option '--processes'");
        assertThatThrownBy(() -> ScaleWorkersBenchmark.Options.parse("--workers", "0"))
                .isInstanceOf(ParameterException.class)
                .hasMessage("Invalid value for option '--workers': must be at least 1, was 0");
        assertThatThrownBy(() -> ScaleWorkersBenchmark.Options.parse("--shards", "-3"))
                .isInstanceOf(ParameterException.class)
                .hasMessage("Invalid value for option '--shards': must be at least 1, was -3");
        assertThatThrownBy(() -> ScaleBenchmark.Options.parse("--shard", "10"))
                .isInstanceOf(ParameterException.class).hasMessageStartingWith("Unknown option").hasMessageContaining("'--shard'");
        assertThatThrownBy(() -> ScaleBenchmark.Options.parse("--shards"))
                .isInstanceOf(ParameterException.class).hasMessageContaining("Missing required parameter for option '--shards'");
    }

    @Test
    void execute_badArgument_printsTheErrorAndTheUsage_exitCode2() {
        StringWriter err = new StringWriter();
        CommandLine cli = Cli.commandLine(new ScaleBenchmark.Options()).setErr(new PrintWriter(err, true));

        int exitCode = cli.execute("--shards", "lots");

        assertThat(exitCode).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--shards': 'lots' is not an int")
                .contains("Usage: ScaleBenchmark");
    }

    @Test
    void execute_help_printsEveryOptionWithItsDefault_exitCode0() {
        for (Map.Entry<String, Supplier<Callable<Integer>>> main : MAINS.entrySet()) {
            StringWriter out = new StringWriter();
            CommandLine cli = Cli.commandLine(main.getValue().get()).setOut(new PrintWriter(out, true));

            int exitCode = cli.execute("--help");

            assertThat(exitCode).isEqualTo(0);
            assertThat(out.toString()).startsWith("Usage: " + main.getKey());
            for (String name : optionNames(main.getValue().get())) {
                assertThat(out.toString()).contains(name);
            }
        }
        StringWriter out = new StringWriter();
        Cli.commandLine(new EndToEndBenchmark.Options()).setOut(new PrintWriter(out, true)).execute("-h");
        assertThat(out.toString()).contains("Default: 200000").contains("Default: a,b,bf,c1,c2");
    }

    private static Set<String> optionNames(Object options) {
        return Set.copyOf(Cli.commandLine(options).getCommandSpec().options().stream().map(OptionSpec::longestName)
                .toList());
    }

    /** The README's commands of the three mains (continuation lines joined), with their arguments split. */
    private static List<Map.Entry<String, List<String>>> documentedCommands() throws IOException {
        String text = Files.readString(README).replace("\\\n", " ");
        List<Map.Entry<String, List<String>>> commands = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = COMMAND.matcher(line);
            while (m.find()) {
                if (!m.group(2).isBlank()) {
                    commands.add(Map.entry(m.group(1), words(m.group(2))));
                }
            }
        }
        return commands;
    }

    private static String lastMainBefore(String readme, int end) {
        Matcher m = COMMAND.matcher(readme.substring(0, end));
        String main = null;
        while (m.find()) {
            main = m.group(1);
        }
        return main;
    }

    /** Splits a shell command line at spaces, keeping double-quoted words whole (without their quotes). */
    private static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(line);
        while (m.find()) {
            words.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return words;
    }
}
