package io.github.ddbstreams.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.github.ddbstreams.receiver.Pacing;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The end-to-end benchmark: on one DynamoDB Local (in this JVM, HTTP over loopback), the contenders read the
 * same pre-written stream one after the other, from TRIM_HORIZON, each run with fresh checkpoint/lease tables:
 * <ul>
 *   <li>(a) a bare GetRecords loop, the ceiling;</li>
 *   <li>(b) {@code DynamoDbStreamsReceiver} with acknowledgement, a {@code DynamoDbCheckpointStore} and a no-op sink;</li>
 *   <li>(bl) the same with {@code Pacing.LOW_LATENCY}; (b') low-latency with a fixed 250 ms pause after every empty
 *   response (latency and front phases);</li>
 *   <li>(c1) KCL 3.1.1 + DynamoDB Streams Kinesis adapter 2.0.1 at its defaults (idle time between reads 1000 ms);</li>
 *   <li>(c2) the same KCL tuned (idle time {@code --kcl-tuned-idle-ms}, short failover/lease/dispatch intervals).</li>
 * </ul>
 * Phases: {@code drain} (throughput, time to first record, GetRecords calls; medians of {@code --reps} runs),
 * {@code latency} (a steady put rate, then idle: put-completed → processed p50/p99, GetRecords/s while idle),
 * {@code memory} ((b) with a sink {@code --sink-slowdown} times slower than (b)'s drain rate: heap after GC
 * over time), {@code front} (the latency/cost front: each of {@code --front-contenders} started once on a fresh
 * server, then each write rate of {@code --front-rates} for {@code --front-seconds}: GetRecords calls/s and put →
 * processed latency; rate 0 = idle). Writes JSON, CSV, a Markdown summary and PNG charts to {@code --out}.
 *
 * <pre>{@code
 * java -Xmx6g -cp benchmarks/target/benchmarks.jar io.github.ddbstreams.benchmarks.EndToEndBenchmark \
 *     --records 200000 --reps 3 --out benchmarks/results
 * }</pre>
 */
public final class EndToEndBenchmark {

    private static final Logger log = LoggerFactory.getLogger(EndToEndBenchmark.class);
    /** The adapter logs through commons-logging, which falls back to java.util.logging here: keep its INFO quiet. */
    private static final java.util.logging.Logger ADAPTER_LOG =
            java.util.logging.Logger.getLogger("com.amazonaws.services.dynamodbv2.streamsadapter");

    private final Options options;
    private final EmbeddedDynamoDb dynamoDb;
    private final LocalClients clients;
    private final StreamWriter writer;
    private final Results results;
    private int runId;

    private EndToEndBenchmark(Options options, EmbeddedDynamoDb dynamoDb, Results results) {
        this.options = options;
        this.results = results;
        this.dynamoDb = dynamoDb;
        this.clients = new LocalClients(dynamoDb.endpoint());
        this.writer = new StreamWriter(clients.dynamoDb);
    }

    /**
     * Runs the benchmark; see the class comment and {@code --help} for the options. Exit code 0 when it ran, 2 on a
     * bad argument (the message names it).
     *
     * @param args {@code --name value} pairs
     */
    public static void main(String[] args) {
        // threads of the KCL and of DynamoDB Local's libraries outlive their shutdown: end the JVM explicitly
        System.exit(Cli.execute(new Options(), args));
    }

    /** The run of {@link #main}: redraws an earlier run ({@code --replot}) or runs the phases; returns 0. */
    private static int runAndReport(Options options) throws Exception {
        if (options.replot != null) {
            Results earlier = Results.readJson(options.replot.resolve("e2e-results.json"), options);
            earlier.write(options.out);
            log.info("Redrew {} into {}", options.replot, options.out);
            return 0;
        }
        Results results = run(options);
        log.info("Summary:\n{}", results.markdown());
        return 0;
    }

    /**
     * Runs the phases of {@code options}, each on a fresh DynamoDB Local (DynamoDB Local's PutItem slows down as its
     * database fills: after the 200,000-change drain stream it takes ~40 ms a put, too slow for the latency phase),
     * writes the result files after each phase and returns the results. In the drain phase every contender reads
     * the same server and stream, one after the other; in the latency phase each contender has a fresh server.
     */
    static Results run(Options options) throws Exception {
        ADAPTER_LOG.setLevel(java.util.logging.Level.WARNING);
        log.info("End-to-end benchmark {} on {} cores, {}, load average {}", options, Runtime.getRuntime().availableProcessors(),
                Runtime.version(), loadAverage());
        Results results = new Results();
        results.options = options;
        results.machine = Results.machine();
        if (options.drainFrom != null) {
            results.drain.addAll(Results.readDrainCsv(options.drainFrom));
            log.info("Drain runs read from {}: {}", options.drainFrom, results.drain.size());
        }
        for (String phase : options.phases) {
            switch (phase) {
                case "drain" -> onFreshServer(options, results, EndToEndBenchmark::drainPhase);
                case "latency" -> {
                    // one fresh server per contender: a server that already holds the previous contender's table and
                    // stream answers GetRecords more slowly, which changes how often a poll comes back empty
                    for (String contender : options.contenders) {
                        if (!contender.equals("a")) { // the bare loop is only the throughput ceiling
                            onFreshServer(options, results, b -> results.latency.add(b.latencyOnce(contender)));
                        }
                    }
                }
                case "front" -> {
                    // one fresh server per contender, which then runs every write rate (the KCL starts once)
                    for (String contender : options.frontContenders) {
                        onFreshServer(options, results, b -> results.front.addAll(b.frontOnce(contender)));
                    }
                }
                case "memory" -> onFreshServer(options, results, EndToEndBenchmark::memoryPhase);
                default -> throw new IllegalArgumentException("Unknown phase '" + phase + "' (drain, latency, front, memory)");
            }
            results.write(options.out);
        }
        return results;
    }

    private interface Phase {
        void run(EndToEndBenchmark benchmark) throws InterruptedException;
    }

    private static void onFreshServer(Options options, Results results, Phase phase) throws InterruptedException {
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start()) {
            EndToEndBenchmark benchmark = new EndToEndBenchmark(options, dynamoDb, results);
            try {
                phase.run(benchmark);
            } finally {
                benchmark.clients.close();
            }
        }
    }

    // ------------------------------------------------------------------ drain

    private void drainPhase() throws InterruptedException {
        String table = "drain";
        String arn = dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        long start = System.nanoTime();
        writer.bulkLoad(table, "d-", options.records, 16);
        double seconds = (System.nanoTime() - start) / 1e9;
        log.info("Wrote {} items in {} s ({} items/s)", options.records, round(seconds), Math.round(options.records / seconds));
        for (int rep = 1; rep <= options.reps; rep++) {
            for (String contender : options.contenders) {
                if (contender.equals("bf") || contender.matches("b\\d+")) {
                    continue; // drains exactly like (b): a backlog never returns an empty page
                }
                if (!contender.equals("a") && !contender.equals("b") && rep > options.kclReps) {
                    continue;
                }
                results.drain.add(drainOnce(contender, rep, arn));
            }
        }
    }

    private Results.DrainRun drainOnce(String contender, int rep, String arn) throws InterruptedException {
        double load = loadAverage();
        long expected = options.records;
        AtomicLong count = new AtomicLong();
        AtomicLong firstNanos = new AtomicLong();
        AtomicLong lastNanos = new AtomicLong();
        AtomicLong callsAtEnd = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        long callsBefore = clients.getRecordsCalls();
        System.gc();
        long startNanos = System.nanoTime();
        try (Contender c = newContender(contender, Function.identity())) {
            c.start(arn, pk -> {
                long n = count.incrementAndGet();
                if (n == 1) {
                    firstNanos.set(System.nanoTime());
                }
                if (n == expected) {
                    lastNanos.set(System.nanoTime());
                    callsAtEnd.set(clients.getRecordsCalls());
                    done.countDown();
                }
            });
            if (!done.await(options.timeoutSeconds, TimeUnit.SECONDS)) {
                log.warn("{} run {}: only {} of {} records after {} s", contender, rep, count.get(), expected, options.timeoutSeconds);
                lastNanos.set(System.nanoTime());
                callsAtEnd.set(clients.getRecordsCalls());
            }
        }
        Results.DrainRun run = new Results.DrainRun(contender, rep, count.get(),
                firstNanos.get() == 0 ? Double.NaN : (firstNanos.get() - startNanos) / 1e9,
                (lastNanos.get() - firstNanos.get()) / 1e9,
                count.get() / Math.max(1e-9, (lastNanos.get() - firstNanos.get()) / 1e9),
                count.get() / ((lastNanos.get() - startNanos) / 1e9),
                callsAtEnd.get() - callsBefore, load);
        log.info("drain {}", run);
        return run;
    }

    private Contender newContender(String contender, Function<Flux<ChangeRecord>, Flux<ChangeRecord>> sink) {
        int id = ++runId;
        return switch (contender) {
            case "a" -> new BareGetRecordsLoop(clients.streams, 250);
            case "b" -> new ReceiverContender(clients, "checkpoints-" + id, sink, UnaryOperator.identity());
            case "bl" -> new ReceiverContender(clients, "checkpoints-" + id, sink, o -> o.pacing(Pacing.LOW_LATENCY));
            case "bf" -> new ReceiverContender(clients, "checkpoints-" + id, sink,
                    o -> o.pacing(Pacing.LOW_LATENCY).minPollInterval(ReceiverOptions.DEFAULT_POLL_INTERVAL));
            case "c1" -> new KclContender(clients, KclContender.Settings.defaults(), "kcl-c1-" + id);
            case "c2" -> new KclContender(clients, KclContender.Settings.tuned(options.kclTunedIdleMillis), "kcl-c2-" + id);
            default -> {
                if (contender.matches("b\\d+")) { // (b) with another minPollInterval, in ms: b16, b62, …
                    Duration min = Duration.ofMillis(Long.parseLong(contender.substring(1)));
                    yield new ReceiverContender(clients, "checkpoints-" + id, sink,
                            o -> o.pacing(Pacing.LOW_LATENCY).minPollInterval(min));
                }
                throw new IllegalArgumentException("Unknown contender '" + contender + "' (a, b, bl, bf, bN, c1, c2)");
            }
        };
    }

    // ------------------------------------------------------------------ latency and idle cost

    private Results.LatencyRun latencyOnce(String contender) throws InterruptedException {
        double load = loadAverage();
        String table = "latency-" + contender;
        String arn = dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        int count = options.rate * options.writeSeconds;
        AtomicLongArray putDone = new AtomicLongArray(count);
        AtomicLongArray processed = new AtomicLongArray(count);
        AtomicLong processedCount = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(1);
        RecordListener listener = pk -> {
            if (pk.startsWith("l-")) {
                int i = Integer.parseInt(pk, 2, pk.length(), 10);
                if (processed.compareAndSet(i, 0, System.nanoTime())) {
                    processedCount.incrementAndGet();
                }
            } else {
                ready.countDown();
            }
        };
        try (Contender c = newContender(contender, Function.identity())) {
            double readySeconds = startAndWarmUp(c, contender, table, arn, listener, ready);
            log.info("latency {}: first record after {} s; writing {} puts/s for {} s", contender, round(readySeconds),
                    options.rate, options.writeSeconds);
            long writeStartCalls = clients.getRecordsCalls();
            long writeStart = System.nanoTime();
            writer.steady(table, "l-", count, options.rate, putDone);
            double writeSeconds = (System.nanoTime() - writeStart) / 1e9;
            double achievedRate = count / writeSeconds;
            double writingCallsPerSecond = (clients.getRecordsCalls() - writeStartCalls) / writeSeconds;
            if (achievedRate < options.rate * 0.95) {
                log.warn("latency {}: the server only took {} puts/s", contender, Math.round(achievedRate));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (processedCount.get() < count && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(10);
            }
            // idle = no new record for a second: the cost of a shard nobody writes to (after a burst the receiver
            // polls 3 more times within 0.22 s before settling at the poll interval)
            TimeUnit.SECONDS.sleep(1);
            long idleStartCalls = clients.getRecordsCalls();
            long idleStart = System.nanoTime();
            TimeUnit.SECONDS.sleep(options.idleSeconds);
            double idleCallsPerSecond = (clients.getRecordsCalls() - idleStartCalls) / ((System.nanoTime() - idleStart) / 1e9);

            Histogram histogram = latencies(putDone, processed);
            long missing = count - histogram.getTotalCount();
            Results.LatencyRun run = new Results.LatencyRun(contender, achievedRate, count - missing, missing,
                    histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(90) / 1000.0,
                    histogram.getValueAtPercentile(99) / 1000.0, histogram.getMaxValue() / 1000.0,
                    writingCallsPerSecond, idleCallsPerSecond, readySeconds, load);
            log.info("latency {}", run);
            return run;
        }
    }

    /** Starts {@code c} and puts warm-up items until it delivers one (the KCL needs its lease first); returns the seconds taken. */
    private double startAndWarmUp(Contender c, String contender, String table, String arn, RecordListener listener,
            CountDownLatch ready) throws InterruptedException {
        long start = System.nanoTime();
        c.start(arn, listener);
        for (int w = 0; !ready.await(200, TimeUnit.MILLISECONDS); w++) {
            writer.put(table, "w-" + w, w);
            if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(options.timeoutSeconds)) {
                throw new IllegalStateException(contender + " delivered nothing in " + options.timeoutSeconds + " s");
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Put-completed → processed latency (µs) of the records processed; a record processed before its put's
     * response arrived counts as 0. Records never processed are not in it.
     */
    private static Histogram latencies(AtomicLongArray putDone, AtomicLongArray processed) {
        Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        for (int i = 0; i < processed.length(); i++) {
            long p = processed.get(i);
            if (p != 0) {
                histogram.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(p - putDone.get(i))));
            }
        }
        return histogram;
    }

    // ------------------------------------------------------------------ the latency/cost front

    /**
     * One contender, started once, then each rate of {@code --front-rates} in turn for {@code --front-seconds}:
     * GetRecords calls/s while writing and the put → processed latency. Rate 0 is a shard nobody writes to,
     * measured after {@code --front-idle-settle-seconds} without writes (the receiver keeps its budget for
     * {@code idleAfter}, 30 s, after the last records).
     */
    private List<Results.FrontRun> frontOnce(String contender) throws InterruptedException {
        String table = "front-" + contender;
        String arn = dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        List<Integer> rates = options.frontRates;
        AtomicLongArray[] processed = new AtomicLongArray[rates.size()];
        for (int k = 0; k < rates.size(); k++) {
            processed[k] = new AtomicLongArray(rates.get(k) * options.frontSeconds);
        }
        CountDownLatch ready = new CountDownLatch(1);
        RecordListener listener = pk -> {
            if (pk.startsWith("f")) {   // f<k>-<i>: record i of rate k
                int dash = pk.indexOf('-');
                processed[Integer.parseInt(pk, 1, dash, 10)].compareAndSet(Integer.parseInt(pk, dash + 1, pk.length(), 10),
                        0, System.nanoTime());
            } else {
                ready.countDown();
            }
        };
        List<Results.FrontRun> runs = new ArrayList<>();
        try (Contender c = newContender(contender, Function.identity())) {
            double readySeconds = startAndWarmUp(c, contender, table, arn, listener, ready);
            log.info("front {}: first record after {} s", contender, round(readySeconds));
            for (int k = 0; k < rates.size(); k++) {
                int rate = rates.get(k);
                double load = loadAverage();
                if (rate == 0) {
                    TimeUnit.SECONDS.sleep(options.frontIdleSettleSeconds);
                    long calls = clients.getRecordsCalls();
                    long idleStart = System.nanoTime();
                    TimeUnit.SECONDS.sleep(options.frontSeconds);
                    double perSecond = (clients.getRecordsCalls() - calls) / ((System.nanoTime() - idleStart) / 1e9);
                    runs.add(new Results.FrontRun(contender, 0, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                            perSecond, load));
                } else {
                    int count = rate * options.frontSeconds;
                    AtomicLongArray putDone = new AtomicLongArray(count);
                    long calls = clients.getRecordsCalls();
                    long writeStart = System.nanoTime();
                    writer.steady(table, "f" + k + "-", count, rate, putDone);
                    double writeSeconds = (System.nanoTime() - writeStart) / 1e9;
                    double perSecond = (clients.getRecordsCalls() - calls) / writeSeconds;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    Histogram histogram = latencies(putDone, processed[k]);
                    while (histogram.getTotalCount() < count && System.nanoTime() < deadline) {
                        TimeUnit.MILLISECONDS.sleep(50);
                        histogram = latencies(putDone, processed[k]);
                    }
                    runs.add(new Results.FrontRun(contender, rate, count / writeSeconds, histogram.getTotalCount(),
                            count - histogram.getTotalCount(), histogram.getValueAtPercentile(50) / 1000.0,
                            histogram.getValueAtPercentile(90) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0,
                            histogram.getMaxValue() / 1000.0, perSecond, load));
                }
                log.info("front {}", runs.get(runs.size() - 1));
            }
        }
        return runs;
    }

    // ------------------------------------------------------------------ memory under a slow sink

    private void memoryPhase() throws InterruptedException {
        String table = "memory";
        String arn = dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        long startLoad = System.nanoTime();
        writer.bulkLoad(table, "m-", options.memoryRecords, 16);
        log.info("Wrote {} items in {} s", options.memoryRecords, round((System.nanoTime() - startLoad) / 1e9));
        double sourceRate = results.drain.stream().filter(r -> r.contender().equals("b"))
                .mapToDouble(Results.DrainRun::drainRecordsPerSecond).sorted().skip(results.drainCount("b") / 2)
                .findFirst().orElse(options.assumedSourceRate);
        double sinkRate = sourceRate / options.sinkSlowdown;
        long perRecordNanos = (long) (1e9 / sinkRate);
        log.info("memory: source (b) drains at {} records/s; the sink takes {} us per record ({} records/s)",
                Math.round(sourceRate), perRecordNanos / 1000, Math.round(sinkRate));

        Scheduler sinkThread = Schedulers.newSingle("slow-sink");
        long[] due = {0};
        Function<Flux<ChangeRecord>, Flux<ChangeRecord>> slowSink = flux -> flux
                .publishOn(sinkThread, 256)
                .doOnNext(record -> {
                    long now = System.nanoTime();
                    due[0] = Math.max(due[0], now - TimeUnit.MILLISECONDS.toNanos(5)) + perRecordNanos;
                    if (due[0] - now > TimeUnit.MILLISECONDS.toNanos(1)) {
                        LockSupport.parkNanos(due[0] - now);
                    }
                });
        AtomicLong count = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        double baselineMb = memory.getHeapMemoryUsage().getUsed() / 1048576.0;
        results.memory.add(new Results.MemorySample(0, baselineMb, 0));
        long start = System.nanoTime();
        try (Contender c = newContender("b", slowSink)) {
            c.start(arn, pk -> {
                if (count.incrementAndGet() == options.memoryRecords) {
                    done.countDown();
                }
            });
            while (!done.await(options.heapSampleSeconds, TimeUnit.SECONDS)) {
                System.gc();
                Results.MemorySample sample = new Results.MemorySample((System.nanoTime() - start) / 1e9,
                        memory.getHeapMemoryUsage().getUsed() / 1048576.0, count.get());
                results.memory.add(sample);
                log.info("memory {}", sample);
                if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(options.timeoutSeconds * 4L)) {
                    log.warn("memory: stopping after {} of {} records", count.get(), options.memoryRecords);
                    break;
                }
            }
        } finally {
            sinkThread.dispose();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        results.memorySinkRate = sinkRate;
        results.memoryRecordsRead = count.get();
        results.memorySeconds = seconds;
        log.info("memory: {} records through the slow sink in {} s ({} records/s)", count.get(), round(seconds),
                Math.round(count.get() / seconds));
    }

    // ------------------------------------------------------------------ helpers

    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    /** Command-line options: {@code --name value}; {@code --help} lists them. */
    @Command(name = "EndToEndBenchmark", sortOptions = false, showDefaultValues = true, usageHelpAutoWidth = true,
            description = "Reads one DynamoDB Local stream with each contender: drain, latency, memory and front phases.")
    static final class Options implements Callable<Integer> {
        @Mixin
        Cli.Help help;

        @Option(names = "--records", paramLabel = "N", description = "Changes written before the drain phase.")
        int records = 200_000;

        @Option(names = "--reps", paramLabel = "N", description = "Drain runs of each contender (the median is reported).")
        int reps = 3;

        @Option(names = "--kcl-reps", paramLabel = "N", description = "Drain runs of the KCL contenders, when fewer than --reps.")
        int kclReps = Integer.MAX_VALUE;

        @Option(names = "--contenders", paramLabel = "a,b,bl,bf,bN,c1,c2", split = ",", hideParamSyntax = true,
                defaultValue = "a,b,bf,c1,c2", description = "Contenders of the drain, latency and memory phases.")
        List<String> contenders;

        @Option(names = "--phases", paramLabel = "drain,latency,front,memory", split = ",", hideParamSyntax = true,
                defaultValue = "drain,latency,memory", description = "Phases, in order.")
        List<String> phases;

        @Option(names = "--front-contenders", paramLabel = "b,bl,c1,c2", split = ",", hideParamSyntax = true,
                defaultValue = "b,bl,c1,c2", description = "Contenders of the front phase.")
        List<String> frontContenders;

        @Option(names = "--front-rates", paramLabel = "1,10,200,0", split = ",", hideParamSyntax = true,
                defaultValue = "1,10,200,0", description = "Write rates of the front phase, changes/s (0 = idle).")
        List<Integer> frontRates;

        @Option(names = "--front-seconds", paramLabel = "N", description = "Seconds at each write rate of the front phase.")
        int frontSeconds = 40;

        @Option(names = "--front-idle-settle-seconds", paramLabel = "N",
                description = "Seconds idle before the idle rate of the front phase is measured.")
        int frontIdleSettleSeconds = 32;

        @Option(names = "--rate", paramLabel = "N", description = "Puts/s of the latency phase.")
        int rate = 200;

        @Option(names = "--write-seconds", paramLabel = "N", description = "Seconds of writing in the latency phase.")
        int writeSeconds = 30;

        @Option(names = "--idle-seconds", paramLabel = "N", description = "Seconds idle after the writes of the latency phase.")
        int idleSeconds = 30;

        @Option(names = "--memory-records", paramLabel = "N", description = "Changes read through the slow sink of the memory phase.")
        int memoryRecords = 300_000;

        @Option(names = "--sink-slowdown", paramLabel = "X", description = "How many times slower than (b)'s drain the memory phase's sink is.")
        double sinkSlowdown = 10;

        double assumedSourceRate = 30_000;

        @Option(names = "--heap-sample-seconds", paramLabel = "N", description = "Seconds between heap samples of the memory phase.")
        int heapSampleSeconds = 5;

        @Option(names = "--kcl-tuned-idle-ms", paramLabel = "N", description = "Idle time between reads of the tuned KCL (c2).")
        long kclTunedIdleMillis = 0;

        @Option(names = "--timeout-seconds", paramLabel = "N", description = "Longest wait for a contender's run.")
        int timeoutSeconds = 600;

        @Option(names = "--out", paramLabel = "DIR", description = "Directory of the result files.")
        Path out = Path.of("benchmarks", "results");

        @Option(names = "--drain-from", paramLabel = "e2e-drain.csv",
                description = "Report the drain runs of an earlier run together with the phases run now.")
        Path drainFrom;

        @Option(names = "--replot", paramLabel = "DIR",
                description = "Redraw the chart and summary of DIR/e2e-results.json into --out, and run nothing.")
        Path replot;

        /** Parses {@code args}; a bad argument throws a {@code ParameterException} naming it. */
        static Options parse(String... args) {
            return Cli.parse(new Options(), args);
        }

        @Override
        public Integer call() throws Exception {
            return runAndReport(this);
        }

        @Override
        public String toString() {
            return "records=" + records + " reps=" + reps + (kclReps < reps ? " kclReps=" + kclReps : "")
                    + " contenders=" + contenders + " phases=" + phases + " rate=" + rate + "/s x " + writeSeconds
                    + " s, idle " + idleSeconds + " s, memoryRecords=" + memoryRecords + " sinkSlowdown=" + sinkSlowdown
                    + " kclTunedIdleMs=" + kclTunedIdleMillis
                    + (phases.contains("front") ? " front=" + frontContenders + " at " + frontRates + "/s x " + frontSeconds
                            + " s (idle after " + frontIdleSettleSeconds + " s)" : "");
        }
    }
}
