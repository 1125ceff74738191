package io.github.ddbstreams.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.SimulatedStreamsService;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.internal.chartpart.Chart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One worker on many shards, on the testkit's {@link SimulatedStreamsService} (a DynamoDB Streams endpoint on
 * loopback with {@code --shards} partitions, no rotation, {@code --latency-ms} added to every call, the service
 * limits on): for each contender, on a fresh service with the same seed,
 * <ol>
 *   <li><b>drain</b>: {@code --backlog-per-shard} changes per shard on average written before the start, read
 *       from TRIM_HORIZON: start → first record, first → last record (records/s), process CPU per record
 *       (the service's own threads subtracted), heap after GC held by the contender, calls per API;</li>
 *   <li><b>steady</b>: then {@code --steady-rate} changes/s for {@code --steady-seconds}: latency write →
 *       processed (p50, p99), calls per API per second, CPU per record.</li>
 * </ol>
 * Contenders: {@code bare} ({@link BareConcurrentLoop}, {@code --max-concurrent-calls} threads: the ceiling),
 * {@code receiver} ({@link ReceiverContender} at its defaults but {@code maxConcurrentCalls}, checkpoints in
 * DynamoDB Local), {@code kcl} (KCL 3.1.1 + adapter 2.0.1 at their defaults, lease table in DynamoDB Local),
 * {@code kcl2} (the KCL with short lease/idle intervals). The streams client has
 * {@code --max-concurrent-calls + 2} connections.
 *
 * <pre>{@code
 * java -Xmx4g -cp benchmarks/target/benchmarks.jar io.github.ddbstreams.benchmarks.ScaleBenchmark \
 *     --shards 1000 --backlog-per-shard 100 --steady-rate 2000 --steady-seconds 30 --out benchmarks/results/scale
 * }</pre>
 */
public final class ScaleBenchmark {

    private static final Logger log = LoggerFactory.getLogger(ScaleBenchmark.class);
    private static final String SERVICE_THREADS = "simulated-streams";

    /** One contender's measurements. */
    record Run(String contender, int shards, long backlog, long drained, double startToFirstSeconds,
            double drainSeconds, double drainRecordsPerSecond, double drainCpuMicrosPerRecord, double heapMb,
            Map<String, Long> drainCalls, long steadyRecords, long steadyMissing, double p50Ms, double p99Ms,
            double steadyCpuMicrosPerRecord, Map<String, Double> steadyCallsPerSecond, String note) {
    }

    private ScaleBenchmark() {
    }

    /**
     * Runs the benchmark: see the class notes and {@code --help}. Exit code 0 when every contender drained the
     * backlog, 1 when one did not, 2 on a bad argument (the message names it).
     */
    public static void main(String[] args) {
        // the KCL leaves non-daemon threads behind
        System.exit(Cli.execute(new Options(), args));
    }

    private static int runAndReport(Options options) throws IOException {
        List<Run> runs = run(options);
        log.info("Results in {}:\n{}", options.out, Files.readString(options.out.resolve("scale-summary.md")));
        return runs.stream().allMatch(r -> r.drained() == r.backlog()) ? 0 : 1;
    }

    static List<Run> run(Options options) throws IOException {
        Files.createDirectories(options.out);
        List<Run> runs = new ArrayList<>();
        boolean needsDynamoDb = options.contenders.stream().anyMatch(c -> !c.equals("bare"));
        try (EmbeddedDynamoDb dynamoDb = needsDynamoDb ? EmbeddedDynamoDb.start() : null) {
            for (String contender : options.contenders) {
                runs.add(runOne(contender, options, dynamoDb));
                write(options, runs);
            }
        }
        return runs;
    }

    private static Run runOne(String contender, Options options, EmbeddedDynamoDb dynamoDb) {
        String id = contender + "-" + System.currentTimeMillis();
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(options.shards)
                .rotationPeriod(Duration.ZERO).keys(1).seed(options.seed)
                .latency(Duration.ofMillis(options.latencyMs.min()), Duration.ofMillis(options.latencyMs.max()))
                .iteratorLifetime(Duration.ofMinutes(15)).serverThreads(options.serverThreads).start();
             LocalClients clients = new LocalClients(dynamoDb == null ? service.endpoint() : dynamoDb.endpoint(),
                     service.endpoint(), options.maxConcurrentCalls + 2)) {
            long backlog = (long) options.shards * options.backlogPerShard;
            for (long i = 0; i < backlog; i++) {
                service.write("b-" + i);
            }
            ConcurrentHashMap<String, Long> writtenAt = new ConcurrentHashMap<>();
            Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
            AtomicLong drained = new AtomicLong();
            // a contender may deliver a record twice (the KCL does after a lease moves): count each change once
            Set<String> drainedKeys = ConcurrentHashMap.newKeySet();
            AtomicLong duplicates = new AtomicLong();
            AtomicLong steady = new AtomicLong();
            AtomicLong firstNanos = new AtomicLong();
            AtomicLong lastDrainNanos = new AtomicLong();
            RecordListener listener = pk -> {
                long now = System.nanoTime();
                firstNanos.compareAndSet(0, now);
                if (pk.charAt(0) == 'b') {
                    if (!drainedKeys.add(pk)) {
                        duplicates.incrementAndGet();
                    } else if (drained.incrementAndGet() == backlog) {
                        lastDrainNanos.set(now);
                    }
                } else {
                    Long at = writtenAt.remove(pk);
                    if (at != null) {
                        synchronized (latency) {
                            latency.recordValue(Math.max(0, (now - at) / 1000));
                        }
                        steady.incrementAndGet();
                    }
                }
            };
            Contender c = contender(contender, clients, options, id);
            gc();
            long heapBefore = usedHeap();
            Map<String, Long> callsBefore = service.calls();
            Cpu cpu = new Cpu();
            long start = System.nanoTime();
            String note = "";
            c.start(service.streamArn(), listener);
            try {
                long deadline = start + TimeUnit.SECONDS.toNanos(options.timeoutSeconds);
                while (drained.get() < backlog && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(20);
                }
                long end = lastDrainNanos.get() != 0 ? lastDrainNanos.get() : System.nanoTime();
                if (drained.get() < backlog) {
                    note = "drain timed out after " + options.timeoutSeconds + " s; ";
                }
                if (duplicates.get() > 0) {
                    note += duplicates.get() + " backlog records delivered twice during the drain (counted once); ";
                }
                double drainCpu = cpu.micros() / Math.max(1, drained.get());
                Map<String, Long> drainCalls = minus(service.calls(), callsBefore);
                gc();
                double heapMb = (usedHeap() - heapBefore) / 1e6;
                double first = firstNanos.get() == 0 ? Double.NaN : (firstNanos.get() - start) / 1e9;
                double drainSeconds = firstNanos.get() == 0 ? Double.NaN : (end - firstNanos.get()) / 1e9;
                log.info("{}: drained {} of {} in {} s after {} s to the first record; calls {}", contender,
                        drained.get(), backlog, fmt(drainSeconds), fmt(first), drainCalls);

                // steady state
                long steadyTotal = (long) (options.steadyRate * options.steadySeconds);
                Map<String, Long> steadyBefore = service.calls();
                Cpu steadyCpu = new Cpu();
                long steadyStart = System.nanoTime();
                long next = 0;
                while (next < steadyTotal) {
                    long due = Math.min(steadyTotal,
                            (long) ((System.nanoTime() - steadyStart) / 1e9 * options.steadyRate));
                    for (; next < due; next++) {
                        String key = "s-" + next;
                        writtenAt.put(key, System.nanoTime());
                        service.write(key);
                    }
                    TimeUnit.MILLISECONDS.sleep(5);
                }
                double steadySeconds = (System.nanoTime() - steadyStart) / 1e9;
                Map<String, Long> steadyCalls = minus(service.calls(), steadyBefore);
                long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (steady.get() < steadyTotal && System.nanoTime() < settle) {
                    TimeUnit.MILLISECONDS.sleep(20);
                }
                double steadyCpuPerRecord = steadyCpu.micros() / Math.max(1, steady.get());
                Map<String, Double> callsPerSecond = new TreeMap<>();
                steadyCalls.forEach((api, n) -> callsPerSecond.put(api, n / steadySeconds));
                double p50;
                double p99;
                synchronized (latency) {
                    p50 = latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(50) / 1000.0;
                    p99 = latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(99) / 1000.0;
                }
                log.info("{}: steady {} of {} records, p50 {} ms, p99 {} ms, calls/s {}", contender, steady.get(),
                        steadyTotal, fmt(p50), fmt(p99), callsPerSecond);
                return new Run(contender, options.shards, backlog, drained.get(), first, drainSeconds,
                        drained.get() / drainSeconds, drainCpu, heapMb, drainCalls, steady.get(),
                        steadyTotal - steady.get(), p50, p99, steadyCpuPerRecord, callsPerSecond, note.trim());
            } finally {
                c.close();
                if (!contender.equals("bare")) {
                    // the receiver's final commit and the KCL's shutdown run on after close: not against closed clients
                    TimeUnit.SECONDS.sleep(2);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Contender contender(String name, LocalClients clients, Options options, String id) {
        return switch (name) {
            case "bare" -> new BareConcurrentLoop(clients.streams, options.maxConcurrentCalls, 250);
            case "receiver" -> new ReceiverContender(clients, "checkpoints-" + id, UnaryOperator.identity(),
                    o -> o.maxConcurrentCalls(options.maxConcurrentCalls));
            case "kcl" -> new KclContender(clients, KclContender.Settings.defaults(), "kcl-" + id);
            case "kcl2" -> new KclContender(clients, KclContender.Settings.tuned(250), "kcl2-" + id);
            default -> throw new IllegalArgumentException("Unknown contender " + name + "; one of bare, receiver, kcl, kcl2");
        };
    }

    /** Process CPU since creation, less the simulated service's threads (which serve every contender alike). */
    private static final class Cpu {
        private final long process = processCpuNanos();
        private final long service = serviceCpuNanos();

        double micros() {
            return ((processCpuNanos() - process) - (serviceCpuNanos() - service)) / 1000.0;
        }

        private static long processCpuNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }

        private static long serviceCpuNanos() {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long sum = 0;
            for (var info : threads.dumpAllThreads(false, false)) {
                if (info.getThreadName().startsWith(SERVICE_THREADS)) {
                    sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
                }
            }
            return sum;
        }
    }

    private static void gc() {
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((api, n) -> d.put(api, n - before.getOrDefault(api, 0L)));
        return d;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    // ---------------------------------------------------------------- output

    private static void write(Options options, List<Run> runs) throws IOException {
        StringBuilder csv = new StringBuilder("contender,shards,backlog,drained,start_to_first_s,drain_s,drain_records_per_s,"
                + "drain_cpu_us_per_record,heap_mb,drain_get_records,drain_get_shard_iterator,drain_describe_stream,"
                + "steady_records,steady_missing,p50_ms,p99_ms,steady_cpu_us_per_record,steady_get_records_per_s,"
                + "steady_describe_stream_per_s,note\n");
        for (Run r : runs) {
            csv.append(String.join(",", r.contender(), "" + r.shards(), "" + r.backlog(), "" + r.drained(),
                    fmt(r.startToFirstSeconds()), fmt(r.drainSeconds()), fmt(r.drainRecordsPerSecond()),
                    fmt(r.drainCpuMicrosPerRecord()), fmt(r.heapMb()),
                    "" + r.drainCalls().getOrDefault(SimulatedStreamsService.GET_RECORDS, 0L),
                    "" + r.drainCalls().getOrDefault(SimulatedStreamsService.GET_SHARD_ITERATOR, 0L),
                    "" + r.drainCalls().getOrDefault(SimulatedStreamsService.DESCRIBE_STREAM, 0L),
                    "" + r.steadyRecords(), "" + r.steadyMissing(), fmt(r.p50Ms()), fmt(r.p99Ms()),
                    fmt(r.steadyCpuMicrosPerRecord()),
                    fmt(r.steadyCallsPerSecond().getOrDefault(SimulatedStreamsService.GET_RECORDS, 0.0)),
                    fmt(r.steadyCallsPerSecond().getOrDefault(SimulatedStreamsService.DESCRIBE_STREAM, 0.0)),
                    '"' + r.note() + '"')).append('\n');
        }
        Files.writeString(options.out.resolve("scale.csv"), csv);

        StringBuilder md = new StringBuilder();
        md.append("# Scale benchmark: one worker, ").append(options.shards).append(" shards\n\n")
                .append(Instant.now()).append("; ").append(options).append("\n\n")
                .append("| contender | start → first (s) | start → last (s) | drain records/s (first → last) | drain CPU µs/record | heap held (MB)"
                        + " | KB/shard | drain GetRecords / GetShardIterator / DescribeStream | steady p50 / p99 (ms)"
                        + " | steady CPU µs/record | steady GetRecords/s | steady DescribeStream/s | note |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Run r : runs) {
            md.append("| ").append(r.contender()).append(" | ").append(fmt(r.startToFirstSeconds()))
                    .append(" | ").append(fmt(r.startToFirstSeconds() + r.drainSeconds()))
                    .append(" | ").append(Math.round(r.drainRecordsPerSecond()))
                    .append(" | ").append(fmt(r.drainCpuMicrosPerRecord()))
                    .append(" | ").append(fmt(r.heapMb()))
                    .append(" | ").append(fmt(r.heapMb() * 1000 / r.shards()))
                    .append(" | ").append(r.drainCalls().getOrDefault(SimulatedStreamsService.GET_RECORDS, 0L))
                    .append(" / ").append(r.drainCalls().getOrDefault(SimulatedStreamsService.GET_SHARD_ITERATOR, 0L))
                    .append(" / ").append(r.drainCalls().getOrDefault(SimulatedStreamsService.DESCRIBE_STREAM, 0L))
                    .append(" | ").append(fmt(r.p50Ms())).append(" / ").append(fmt(r.p99Ms()))
                    .append(r.steadyMissing() > 0 ? " (" + r.steadyMissing() + " missing)" : "")
                    .append(" | ").append(fmt(r.steadyCpuMicrosPerRecord()))
                    .append(" | ").append(fmt(r.steadyCallsPerSecond().getOrDefault(SimulatedStreamsService.GET_RECORDS, 0.0)))
                    .append(" | ").append(fmt(r.steadyCallsPerSecond().getOrDefault(SimulatedStreamsService.DESCRIBE_STREAM, 0.0)))
                    .append(" | ").append(r.note()).append(" |\n");
        }
        Run bare = runs.stream().filter(r -> r.contender().equals("bare")).findFirst().orElse(null);
        Run receiver = runs.stream().filter(r -> r.contender().equals("receiver")).findFirst().orElse(null);
        if (bare != null && receiver != null) {
            md.append("\nDrain, receiver / bare loop: ").append(fmt(receiver.drainRecordsPerSecond() / bare.drainRecordsPerSecond()))
                    .append(" first → last record, ")
                    .append(fmt((bare.startToFirstSeconds() + bare.drainSeconds())
                            / (receiver.startToFirstSeconds() + receiver.drainSeconds())))
                    .append(" start → last record (target ≥ 0.9)\n");
        }
        for (Run kcl : runs.stream().filter(r -> r.contender().startsWith("kcl")).toList()) {
            if (receiver != null) {
                md.append("\nDrain, receiver / ").append(kcl.contender()).append(": ")
                        .append(fmt(receiver.drainRecordsPerSecond() / kcl.drainRecordsPerSecond())).append(" (target ≥ 10 at the KCL defaults)\n");
            }
        }
        Files.writeString(options.out.resolve("scale-summary.md"), md);
        chart(runs, options.out.resolve("scale-chart.png"));
    }

    private static void chart(List<Run> runs, Path file) throws IOException {
        List<String> names = runs.stream().map(Run::contender).toList();
        List<Chart<?, ?>> charts = List.of(
                Charts.bars("Drain, records/s (log)", "records/s", names, List.of(new Charts.Series("records/s",
                        runs.stream().map(r -> (Number) r.drainRecordsPerSecond()).toList())), true),
                Charts.bars("Steady latency write → processed, ms (log)", "ms", names, List.of(
                        new Charts.Series("p50", runs.stream().map(r -> (Number) r.p50Ms()).toList()),
                        new Charts.Series("p99", runs.stream().map(r -> (Number) r.p99Ms()).toList())), true),
                Charts.bars("CPU µs per record (log; service excluded)", "µs", names, List.of(
                        new Charts.Series("drain", runs.stream().map(r -> (Number) r.drainCpuMicrosPerRecord()).toList()),
                        new Charts.Series("steady", runs.stream().map(r -> (Number) r.steadyCpuMicrosPerRecord()).toList())), true),
                Charts.bars("Steady calls/s by API (log)", "calls/s", names, List.of(
                        new Charts.Series("GetRecords", runs.stream().map(r -> (Number) r.steadyCallsPerSecond()
                                .getOrDefault(SimulatedStreamsService.GET_RECORDS, 0.0)).toList()),
                        new Charts.Series("DescribeStream", runs.stream().map(r -> (Number) r.steadyCallsPerSecond()
                                .getOrDefault(SimulatedStreamsService.DESCRIBE_STREAM, 0.0)).toList())), true));
        Charts.writeGrid(new ArrayList<>(charts), file);
    }

    /** Command-line options: {@code --name value}; {@code --help} lists them. */
    @Command(name = "ScaleBenchmark", sortOptions = false, showDefaultValues = true, usageHelpAutoWidth = true,
            description = "One worker on many shards of a simulated DynamoDB Streams endpoint: drain, then steady writes.")
    static final class Options implements Callable<Integer> {
        @Mixin
        Cli.Help help;

        @Option(names = "--shards", paramLabel = "N", description = "Shards (partitions) of the simulated stream.")
        int shards = 1000;

        @Option(names = "--backlog-per-shard", paramLabel = "N", description = "Changes per shard (on average) written before the start.")
        int backlogPerShard = 100;

        @Option(names = "--steady-rate", paramLabel = "N", description = "Changes/s written in the steady phase.")
        double steadyRate = 2000;

        @Option(names = "--steady-seconds", paramLabel = "N", description = "Seconds of the steady phase.")
        int steadySeconds = 30;

        @Option(names = "--latency-ms", paramLabel = "MIN,MAX", converter = Cli.RangeConverter.class,
                description = "Latency added to every call of the simulated service, ms (one value: both ends).")
        Cli.Range latencyMs = new Cli.Range(5, 15);

        @Option(names = "--max-concurrent-calls", paramLabel = "N",
                description = "The receiver's maxConcurrentCalls and the bare loop's threads (the client has 2 more connections).")
        int maxConcurrentCalls = io.github.ddbstreams.receiver.ReceiverOptions.DEFAULT_MAX_CONCURRENT_CALLS;

        @Option(names = "--server-threads", paramLabel = "N", description = "Threads of the simulated service.")
        int serverThreads = 8;

        @Option(names = "--seed", paramLabel = "N", description = "Seed of the simulated service.")
        long seed = 14;

        @Option(names = "--timeout-seconds", paramLabel = "N", description = "Longest wait for a phase of a contender.")
        int timeoutSeconds = 600;

        @Option(names = "--contenders", paramLabel = "bare,receiver,kcl,kcl2", split = ",", hideParamSyntax = true,
                defaultValue = "bare,receiver,kcl", description = "Contenders, in order.")
        List<String> contenders;

        @Option(names = "--out", paramLabel = "DIR", description = "Directory of the result files.")
        Path out = Path.of("benchmarks/results/scale");

        /** Parses {@code args}; a bad argument throws a {@code ParameterException} naming it. */
        static Options parse(String... args) {
            return Cli.parse(new Options(), args);
        }

        @Override
        public Integer call() throws IOException {
            return runAndReport(this);
        }

        @Override
        public String toString() {
            return "shards " + shards + ", backlog " + backlogPerShard + "/shard, steady " + steadyRate + "/s for "
                    + steadySeconds + " s, latency " + latencyMs.min() + ".." + latencyMs.max() + " ms/call, maxConcurrentCalls "
                    + maxConcurrentCalls + " (client " + (maxConcurrentCalls + 2) + " connections), contenders "
                    + contenders + ", seed " + seed;
        }
    }
}
