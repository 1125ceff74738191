package io.github.ddbstreams.benchmarks;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StartPosition;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.JavaProcess;
import io.github.ddbstreams.testkit.SimulatedStreamsService;
import io.github.ddbstreams.testkit.TestHttpClients;
import org.knowm.xchart.internal.chartpart.Chart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import reactor.core.Disposable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * Several workers sharing one stream of many shards through a lease table: {@code --workers} receivers in lease
 * mode, each with its own SDK clients (in this JVM, or one JVM each with {@code --processes true}), read a
 * {@link SimulatedStreamsService} of {@code --shards} partitions (no rotation, the service limits on) from
 * TRIM_HORIZON; the lease table is on a DynamoDB Local started here. A writer adds {@code --rate} changes/s (after
 * a backlog of {@code --backlog-per-shard} per shard) for the whole run except the idle window. In order:
 * <ol>
 *   <li><b>cold start</b>: every worker starts at once; time until balanced;</li>
 *   <li><b>steady, writing</b> and <b>steady, idle</b> (writer paused, after one commit interval): for
 *       {@code --steady-seconds} each, lease-table writes/s by operation (an SDK {@link CallCounter} on every
 *       worker's DynamoDB client; {@code UpdateItem}, {@code PutItem}, {@code DeleteItem} are writes; the
 *       checkpoint writes among them counted apart) against shards / renewInterval, and the service's
 *       {@code DescribeStream} and {@code GetRecords} calls/s;</li>
 *   <li><b>join</b>: one more worker starts; time until balanced;</li>
 *   <li><b>kill</b>: one worker (the stream's describer, or with {@code --kill follower} another) dies without
 *       releasing: in this JVM every call of its clients fails from then on (a connection error) and then its
 *       subscription is cancelled, and nothing it delivers afterwards counts; a process gets {@code SIGKILL}. Time until the
 *       others hold every lease, balanced;</li>
 *   <li>the writer stops; the run waits (at most {@code --settle-seconds}) until every change written was
 *       delivered.</li>
 * </ol>
 * <b>Balanced</b>, the lease coordinator's own notion: every shard's lease is held by a live worker and no worker
 * holds more than shards / workers rounded up (its share; a worker below it asks only workers above it for a
 * hand-off), as read from the lease table every {@code --poll-ms} (default 1 s; each read is a query of every lease, which
 * loads DynamoDB Local too); also said in renewal periods. <b>Even</b> (±1): every lease held and every live worker
 * within one lease of shards / workers. Once one of the two is reached, the other is waited for at most
 * {@code --even-wait-ms} more (the coordinator does not aim at ±1: 40 shards on 3 workers may stay at 14, 14, 12;
 * and ±1 may hold while a worker is still one above its share).
 *
 * <p><b>Double reads</b>, from the consumer side: every delivered record is tagged with its worker and the time
 * (epoch ms). A change delivered by the killed worker and again by another is a failover repeat (by design: the
 * successor resumes after the last checkpoint). A change delivered by two live workers is counted, and counted as
 * <em>concurrent</em> when the first worker delivered records of that shard less than failoverTime before and
 * after the second delivered the change again (otherwise the lease moved between them: an expiry or a hand-off
 * after its drain timeout, which repeat the records after the checkpoint). Per shard, the deliveries in time order form runs of one worker; a run
 * of A, then of B, then of A again (none of them the killed worker) with A's deliveries on either side less than
 * failoverTime apart means A went on reading while B read: counted as alternations (a lease that moved away and
 * back takes at least a failover or a hand-off each way). <b>Lost</b>: changes written and never delivered.
 *
 * <p>The lease timing ({@code --failover-ms}, {@code --renew-ms}, {@code --take-ms}) defaults to
 * {@link LeaseOptions}'; the receiver's polling to its defaults unless {@code --poll-interval-ms},
 * {@code --idle-after-ms}, {@code --idle-poll-ms} are given (on a small machine the reads of 1,000 shards at the
 * default pacing leave DynamoDB Local, in the same JVM, too little CPU for the lease table).
 *
 * <pre>{@code
 * java -Xmx3g -cp benchmarks/target/benchmarks.jar io.github.ddbstreams.benchmarks.ScaleWorkersBenchmark \
 *     --workers 10 --shards 1000 --out benchmarks/results/scale-workers-10
 * # one chart of several runs
 * java -cp benchmarks/target/benchmarks.jar io.github.ddbstreams.benchmarks.ScaleWorkersBenchmark \
 *     --combine benchmarks/results/scale-workers-10,benchmarks/results/scale-workers-20 --out benchmarks/results/scale-workers
 * }</pre>
 */
public final class ScaleWorkersBenchmark {

    private static final Logger log = LoggerFactory.getLogger(ScaleWorkersBenchmark.class);
    /** The DynamoDB operations that write the lease table. */
    static final List<String> LEASE_WRITES = List.of("UpdateItem", "PutItem", "DeleteItem");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A record a worker processed: when (epoch ms), by which worker, from which shard, its key. */
    record Delivery(long atMillis, String worker, String shardId, String key) {
    }

    /** A worker's lease-table calls by operation at a moment (epoch ms). */
    record CallSnapshot(long atMillis, Map<String, Long> counts) {
    }

    /**
     * Time from an event to balance (the coordinator's notion: every lease held, none above its share rounded up;
     * {@code reached} false when the timeout came first) and to even shares (every lease held, each live worker
     * within one of shards / workers; NaN when not reached within the timeout, or within {@code --even-wait-ms}
     * after balance).
     */
    record Balance(String event, int workers, double seconds, double renewPeriods, boolean reached, double evenSeconds,
            String shares) {
    }

    /**
     * Calls per second over a window: lease-table calls by operation (all workers), the writes among them, the
     * checkpoint writes among those ({@link CallCounter#CHECKPOINT_WRITE}; null in results written before they were
     * counted), the streams service's calls.
     */
    record Window(String name, double seconds, Map<String, Double> leaseCallsPerSecond, double leaseWritesPerSecond,
            Double checkpointWritesPerSecond, Map<String, Double> streamsCallsPerSecond) {

        /** The lease protocol's own writes (renewals, takes, hand-offs, presence, describer): all but checkpoints. */
        double protocolWritesPerSecond() {
            return leaseWritesPerSecond - (checkpointWritesPerSecond == null ? 0 : checkpointWritesPerSecond);
        }
    }

    /** One run. */
    record Result(String label, String mode, int workers, int shards, long renewMs, long failoverMs, long takeMs,
            List<Balance> balances, List<Window> windows, double leaseWritesTarget, String killed, long written,
            long deliveredDistinct, long deliveries, long lost, long deliveredByTwoLiveWorkers,
            long concurrentDoubleReads, long failoverRepeats,
            long alternations, List<String> alternationExamples, double loadAtStart, double loadAtEnd, String startedAt,
            String options) {

        Balance balance(String event) {
            return balances.stream().filter(b -> b.event().equals(event)).findFirst().orElse(null);
        }

        Window window(String name) {
            return windows.stream().filter(w -> w.name().equals(name)).findFirst().orElse(null);
        }
    }

    private ScaleWorkersBenchmark() {
    }

    /**
     * Runs the benchmark (or combines earlier runs): see the class notes and {@code --help}. Exit code 0 when no
     * change was lost, 1 when one was, 2 on a bad argument (the message names it).
     */
    public static void main(String[] args) {
        System.exit(Cli.execute(new Options(), args));
    }

    private static int runAndReport(Options options) throws IOException, InterruptedException {
        if (!options.combine.isEmpty()) {
            combine(options.combine, options.out);
            return 0;
        }
        Result result = run(options);
        log.info("Results in {}:\n{}", options.out, Files.readString(options.out.resolve("scale-workers-summary.md")));
        return result.lost() == 0 ? 0 : 1;
    }

    // ---------------------------------------------------------------- the run

    static Result run(Options o) throws IOException, InterruptedException {
        Files.createDirectories(o.out);
        String startedAt = Instant.now().toString();
        long windowMs = TimeUnit.SECONDS.toMillis(o.steadySeconds);
        long listingMs = ReceiverOptions.DEFAULT_SHARD_DISCOVERY_INTERVAL.toMillis();
        if (windowMs % o.renewMs() != 0 || windowMs % listingMs != 0) {
            log.warn("--steady-seconds {} is not a multiple of the renewal interval ({} ms) and of shardDiscoveryInterval"
                    + " ({} ms): the workers start together and renew in step, so a window's lease writes/s and"
                    + " DescribeStream/s may count one renewal round or listing more or less than its length holds",
                    o.steadySeconds, o.renewMs(), listingMs);
        }
        double loadAtStart = load();
        Queue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
        List<Worker> all = new ArrayList<>();
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
             SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(o.shards)
                     .rotationPeriod(Duration.ZERO).keys(1).seed(o.seed)
                     .latency(Duration.ofMillis(o.latencyMs.min()), Duration.ofMillis(o.latencyMs.max()))
                     .iteratorLifetime(Duration.ofMinutes(15)).serverThreads(o.serverThreads).start();
             Writer writer = new Writer(service, o.rate)) {
            long backlog = (long) o.shards * o.backlogPerShard;
            for (long i = 0; i < backlog; i++) {
                service.write("b-" + i);
            }
            Setup setup = new Setup(service.endpoint(), dynamoDb.endpoint(), service.streamArn(),
                    "scale-workers-" + System.currentTimeMillis(), o.failoverMs, o.renewMs(), o.takeMs(),
                    o.maxConcurrentCalls, new Pacing(o.pollIntervalMs, o.idleAfterMs, o.idlePollMs));
            Observer observer = new Observer(dynamoDb.syncClient(), setup.leaseTable, setup.streamArn, o.shards);
            Path workDir = o.out.resolve("workers");
            List<Balance> balances = new ArrayList<>();
            List<Window> windows = new ArrayList<>();
            try {
                writer.start();
                List<Worker> live = new ArrayList<>();
                long t0 = System.nanoTime();
                for (int i = 1; i <= o.workers; i++) {
                    Worker w = startWorker(o, "w" + i, setup, deliveries, workDir);
                    live.add(w);
                    all.add(w);
                }
                balances.add(observer.awaitBalance("cold start", ids(live), t0, o));

                Thread.sleep(TimeUnit.SECONDS.toMillis(2));
                windows.add(measure("writing", live, service, o.steadySeconds));
                writer.paused = true;
                Thread.sleep(ReceiverOptions.DEFAULT_COMMIT_INTERVAL.plusSeconds(1).toMillis());
                windows.add(measure("idle", live, service, o.steadySeconds));
                writer.paused = false;

                String killed = "none";
                Worker victim = null;
                if (o.joinAndKill) {
                    long t1 = System.nanoTime();
                    Worker joined = startWorker(o, "w" + (o.workers + 1), setup, deliveries, workDir);
                    live.add(joined);
                    all.add(joined);
                    balances.add(observer.awaitBalance("join", ids(live), t1, o));

                    String describer = observer.describer();
                    victim = live.stream().filter(w -> (o.kill == Kill.FOLLOWER) != w.id().equals(describer)).findFirst()
                            .orElse(live.get(0));
                    long t2 = System.nanoTime();
                    victim.kill();
                    live.remove(victim);
                    log.info("Killed worker {} ({}; the describer was {})", victim.id(),
                            victim.id().equals(describer) ? "the describer" : "a follower", describer);
                    balances.add(observer.awaitBalance("kill", ids(live), t2, o));
                    killed = victim.id() + (victim.id().equals(describer) ? " (describer)" : " (follower)");
                }

                writer.close();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.settleSeconds);
                long written = backlog + writer.written.get();
                while (System.nanoTime() < deadline && distinctKeys(collect(o, deliveries, all)) < written) {
                    Thread.sleep(500);
                }
                List<Delivery> delivered = collect(o, deliveries, all);
                Result result = analyse(o, setup, balances, windows, killed, victim == null ? "" : victim.id(), backlog,
                        writer.written.get(), delivered, loadAtStart, startedAt);
                write(o, result);
                return result;
            } finally {
                writer.close();
                for (Worker w : all) {
                    w.stop();
                }
                observer.close();
            }
        }
    }

    private static Worker startWorker(Options o, String id, Setup setup, Queue<Delivery> deliveries, Path workDir) {
        return o.processes ? ProcessWorker.start(id, setup, workDir, o.workerHeapMb) : new InJvmWorker(id, setup, deliveries::add);
    }

    private static List<String> ids(List<Worker> workers) {
        return workers.stream().map(Worker::id).toList();
    }

    private static Window measure(String name, List<Worker> live, SimulatedStreamsService service, int seconds)
            throws InterruptedException {
        Map<String, CallSnapshot> before = new HashMap<>();
        for (Worker w : live) {
            before.put(w.id(), w.leaseCalls());
        }
        Map<String, Long> serviceBefore = service.calls();
        long start = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        double elapsed = (System.nanoTime() - start) / 1e9;
        Map<String, Long> serviceAfter = service.calls();
        Map<String, Double> lease = new TreeMap<>();
        for (Worker w : live) {
            CallSnapshot a = before.get(w.id());
            CallSnapshot b = w.leaseCalls();
            // each worker's rate over its own snapshots (a process writes its counts every 500 ms)
            double span = Math.max(1, b.atMillis() - a.atMillis()) / 1000.0;
            b.counts().forEach((op, n) -> lease.merge(op, (n - a.counts().getOrDefault(op, 0L)) / span, Double::sum));
        }
        Map<String, Double> streams = new TreeMap<>();
        serviceAfter.forEach((api, n) -> streams.put(api, (n - serviceBefore.getOrDefault(api, 0L)) / elapsed));
        double writes = LEASE_WRITES.stream().mapToDouble(op -> lease.getOrDefault(op, 0.0)).sum();
        double checkpoints = lease.getOrDefault(CallCounter.CHECKPOINT_WRITE, 0.0);
        log.info("Window {} ({} s): lease-table calls/s {}, writes/s {} ({} of them checkpoints); streams calls/s {}",
                name, fmt(elapsed), lease, fmt(writes), fmt(checkpoints), streams);
        return new Window(name, elapsed, lease, writes, checkpoints, streams);
    }

    private static List<Delivery> collect(Options o, Queue<Delivery> deliveries, List<Worker> all) throws IOException {
        if (!o.processes) {
            return new ArrayList<>(deliveries);
        }
        List<Delivery> out = new ArrayList<>();
        for (Worker w : all) {
            out.addAll(((ProcessWorker) w).deliveries());
        }
        return out;
    }

    private static long distinctKeys(List<Delivery> deliveries) {
        return deliveries.stream().map(Delivery::key).distinct().count();
    }

    static Result analyse(Options o, Setup setup, List<Balance> balances, List<Window> windows, String killed,
            String victim, long backlog, long steadyWritten, List<Delivery> deliveries, double loadAtStart,
            String startedAt) {
        Map<String, Set<String>> workersByKey = new HashMap<>();
        for (Delivery d : deliveries) {
            workersByKey.computeIfAbsent(d.key(), k -> new HashSet<>(2)).add(d.worker());
        }
        long lost = 0;
        for (long i = 0; i < backlog; i++) {
            lost += workersByKey.containsKey("b-" + i) ? 0 : 1;
        }
        for (long i = 0; i < steadyWritten; i++) {
            lost += workersByKey.containsKey("s-" + i) ? 0 : 1;
        }
        // when each worker delivered each shard
        Map<String, java.util.TreeSet<Long>> deliveredAt = new HashMap<>();
        for (Delivery d : deliveries) {
            deliveredAt.computeIfAbsent(d.shardId() + " " + d.worker(), k -> new java.util.TreeSet<>()).add(d.atMillis());
        }
        Map<String, List<Delivery>> byKey = deliveries.stream().collect(Collectors.groupingBy(Delivery::key));
        long twoLive = 0;
        long concurrent = 0;
        long failoverRepeats = 0;
        for (Map.Entry<String, Set<String>> key : workersByKey.entrySet()) {
            if (key.getValue().size() < 2) {
                continue;
            }
            if (key.getValue().contains(victim)) {
                failoverRepeats++;
                continue;
            }
            twoLive++;
            // concurrent: the first worker delivered the shard less than failoverTime before and after another
            // delivered this change again (a lease that moved away and back takes longer)
            List<Delivery> sorted = new ArrayList<>(byKey.get(key.getKey()));
            sorted.sort(Comparator.comparingLong(Delivery::atMillis));
            Delivery first = sorted.get(0);
            Delivery again = sorted.stream().filter(d -> !d.worker().equals(first.worker())).findFirst().orElseThrow();
            java.util.TreeSet<Long> firstWorker = deliveredAt.get(first.shardId() + " " + first.worker());
            Long before = firstWorker.floor(again.atMillis());
            Long after = firstWorker.ceiling(again.atMillis());
            if (before != null && after != null && again.atMillis() - before < setup.failoverMs()
                    && after - again.atMillis() < setup.failoverMs()) {
                concurrent++;
            }
        }
        // per shard, runs of one worker in delivery-time order; A, B, A (none of them the killed worker) with A's
        // deliveries around B's less than failoverTime apart: A went on reading while B read (a lease that moved
        // away and back takes at least a failoverTime or a hand-off each way)
        long alternations = 0;
        List<String> examples = new ArrayList<>();
        Map<String, List<Delivery>> byShard = deliveries.stream().collect(Collectors.groupingBy(Delivery::shardId));
        for (Map.Entry<String, List<Delivery>> shard : byShard.entrySet()) {
            List<Delivery> sorted = new ArrayList<>(shard.getValue());
            sorted.sort(Comparator.comparingLong(Delivery::atMillis));
            List<Delivery> runStarts = new ArrayList<>();
            for (Delivery d : sorted) {
                if (runStarts.isEmpty() || !runStarts.get(runStarts.size() - 1).worker().equals(d.worker())) {
                    runStarts.add(d);
                }
            }
            for (int i = 2; i < runStarts.size(); i++) {
                String a = runStarts.get(i - 2).worker();
                String b = runStarts.get(i - 1).worker();
                long aBefore = sorted.get(sorted.indexOf(runStarts.get(i - 1)) - 1).atMillis();
                if (a.equals(runStarts.get(i).worker()) && !a.equals(victim) && !b.equals(victim)
                        && runStarts.get(i).atMillis() - aBefore < setup.failoverMs()) {
                    alternations++;
                    if (examples.size() < 5) {
                        examples.add(shard.getKey() + ": " + a + " from " + runStarts.get(i - 2).atMillis() + ", " + b
                                + " from " + runStarts.get(i - 1).atMillis() + ", " + a + " again from "
                                + runStarts.get(i).atMillis());
                    }
                }
            }
        }
        double target = o.shards * 1000.0 / setup.renewMs;
        return new Result(o.label, o.processes ? "processes" : "one JVM", o.workers, o.shards, setup.renewMs,
                setup.failoverMs, setup.takeMs, balances, windows, target, killed, backlog + steadyWritten,
                workersByKey.size(), deliveries.size(), lost, twoLive, concurrent, failoverRepeats, alternations, examples,
                loadAtStart, load(), startedAt, o.toString());
    }

    // ---------------------------------------------------------------- workers

    /** What every worker is given: where the service and the lease table are, and the lease timing. */
    record Setup(URI streamsEndpoint, URI dynamoDbEndpoint, String streamArn, String leaseTable, long failoverMs,
            long renewMs, long takeMs, int maxConcurrentCalls, Pacing pacing) {
    }

    /**
     * The receiver's polling ({@link ReceiverOptions.Builder#pollInterval}, {@code idleAfter},
     * {@code idlePollInterval}); 0 keeps the receiver's default.
     */
    record Pacing(long pollMs, long idleAfterMs, long idlePollMs) {

        ReceiverOptions.Builder apply(ReceiverOptions.Builder b) {
            if (pollMs > 0) {
                b.pollInterval(Duration.ofMillis(pollMs));
            }
            if (idleAfterMs > 0) {
                b.idleAfter(Duration.ofMillis(idleAfterMs));
            }
            if (idlePollMs > 0) {
                b.idlePollInterval(Duration.ofMillis(idlePollMs));
            }
            return b;
        }

        @Override
        public String toString() {
            return "poll " + (pollMs > 0 ? pollMs + " ms" : "default") + ", idle after "
                    + (idleAfterMs > 0 ? idleAfterMs + " ms" : "default") + ", idle poll "
                    + (idlePollMs > 0 ? idlePollMs + " ms" : "default");
        }
    }

    /** One worker: a receiver in lease mode with its own clients. */
    interface Worker {
        String id();

        /** Its lease-table calls so far. */
        CallSnapshot leaseCalls();

        /** Dies without releasing its leases. */
        void kill();

        /** Stops at the end of the run. */
        void stop();
    }

    /**
     * Subscribes a receiver in lease mode that reports each record to {@code sink} (unless {@code killed} says
     * the worker is dead) and acknowledges it.
     */
    static Disposable subscribe(String id, Setup setup, DynamoDbStreamsAsyncClient streams, DynamoDbAsyncClient dynamoDb,
            java.util.function.BooleanSupplier killed, Consumer<Delivery> sink) {
        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(setup.pacing().apply(ReceiverOptions.builder())
                .streamsClient(streams)
                .streamArn(setup.streamArn())
                .startPosition(StartPosition.trimHorizon())
                .maxConcurrentCalls(setup.maxConcurrentCalls())
                .leases(LeaseOptions.builder()
                        .client(dynamoDb)
                        .tableName(setup.leaseTable())
                        .workerId(id)
                        .failoverTime(Duration.ofMillis(setup.failoverMs()))
                        .renewInterval(Duration.ofMillis(setup.renewMs()))
                        .takeInterval(Duration.ofMillis(setup.takeMs()))
                        .build())
                .build());
        return receiver.receive().subscribe(record -> {
            if (!killed.getAsBoolean()) {
                sink.accept(new Delivery(System.currentTimeMillis(), id, record.shardId(), record.keys().get("pk").s()));
                record.checkpoint().acknowledge();
            }
        }, error -> {
            if (!killed.getAsBoolean()) {
                log.error("Worker {} failed", id, error);
            }
        });
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(
                AwsBasicCredentials.create(EmbeddedDynamoDb.DUMMY_CREDENTIAL, EmbeddedDynamoDb.DUMMY_CREDENTIAL));
    }

    /**
     * Its DynamoDB (lease table) client counts its calls; both clients are its own (on a shared event loop). Once
     * {@link #kill killed}, every call of either fails at once with a connection error, as in a dead process.
     */
    private static final class Clients implements AutoCloseable {
        final CallCounter calls = new CallCounter();
        final DynamoDbAsyncClient dynamoDb;
        final DynamoDbStreamsAsyncClient streams;
        private volatile boolean killed;

        Clients(Setup setup) {
            dynamoDb = killable(DynamoDbAsyncClient.class, DynamoDbAsyncClient.builder()
                    .httpClientBuilder(TestHttpClients.nettyClientBuilder().maxConcurrency(64)
                            .connectionAcquisitionTimeout(Duration.ofSeconds(60)))
                    .endpointOverride(setup.dynamoDbEndpoint()).region(EmbeddedDynamoDb.REGION)
                    .credentialsProvider(credentials())
                    .overrideConfiguration(c -> c.addExecutionInterceptor(calls))
                    .build());
            streams = killable(DynamoDbStreamsAsyncClient.class, DynamoDbStreamsAsyncClient.builder()
                    .httpClientBuilder(TestHttpClients.nettyClientBuilder().maxConcurrency(setup.maxConcurrentCalls() + 2))
                    .endpointOverride(setup.streamsEndpoint()).region(EmbeddedDynamoDb.REGION)
                    .credentialsProvider(credentials())
                    .build());
        }

        void kill() {
            killed = true;
        }

        private <T> T killable(Class<T> type, T client) {
            return type.cast(java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                    (proxy, method, args) -> {
                        if (killed && java.util.concurrent.CompletableFuture.class.isAssignableFrom(method.getReturnType())) {
                            return java.util.concurrent.CompletableFuture.failedFuture(
                                    software.amazon.awssdk.core.exception.SdkClientException.create("worker killed",
                                            new java.net.ConnectException("Connection refused")));
                        }
                        try {
                            return method.invoke(client, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }));
        }

        @Override
        public void close() {
            dynamoDb.close();
            streams.close();
        }
    }

    /** A worker in this JVM. */
    private static final class InJvmWorker implements Worker {
        private final String id;
        private final Clients clients;
        private final Disposable subscription;
        private volatile boolean killed;

        InJvmWorker(String id, Setup setup, Consumer<Delivery> sink) {
            this.id = id;
            this.clients = new Clients(setup);
            this.subscription = subscribe(id, setup, clients.streams, clients.dynamoDb, () -> killed, sink);
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public CallSnapshot leaseCalls() {
            return new CallSnapshot(System.currentTimeMillis(), clients.calls.counts());
        }

        @Override
        public void kill() {
            killed = true;
            // clients first: the cancel's final commit and release then fail, as they would in a dead process
            clients.kill();
            subscription.dispose();
        }

        @Override
        public void stop() {
            if (!killed) {
                killed = true;
                subscription.dispose();
            }
            clients.close();
        }
    }

    /** A worker in its own JVM ({@link WorkerMain}); its deliveries and call counts come back through files. */
    private static final class ProcessWorker implements Worker {
        private final String id;
        private final JavaProcess process;
        private final Path deliveries;
        private final Path calls;

        private ProcessWorker(String id, JavaProcess process, Path deliveries, Path calls) {
            this.id = id;
            this.process = process;
            this.deliveries = deliveries;
            this.calls = calls;
        }

        static ProcessWorker start(String id, Setup setup, Path dir, int heapMb) {
            JavaProcess process = JavaProcess.start(id, List.of("-Xmx" + heapMb + "m", "-XX:+UseSerialGC"),
                    WorkerMain.class.getName(), WorkerMain.arguments(id, setup, dir), dir.resolve(id + ".log"));
            return new ProcessWorker(id, process, WorkerMain.deliveriesFile(dir, id), WorkerMain.callsFile(dir, id));
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public CallSnapshot leaseCalls() {
            try {
                return Files.exists(calls) ? WorkerMain.readCalls(calls) : new CallSnapshot(System.currentTimeMillis(), Map.of());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        List<Delivery> deliveries() throws IOException {
            if (!Files.exists(deliveries)) {
                return List.of();
            }
            List<Delivery> out = new ArrayList<>();
            for (String line : Files.readAllLines(deliveries)) {
                String[] f = line.split(" ");
                if (f.length == 3) { // a line cut short by SIGKILL has fewer fields
                    out.add(new Delivery(Long.parseLong(f[0]), id, f[1], f[2]));
                }
            }
            return out;
        }

        @Override
        public void kill() {
            process.kill();
        }

        @Override
        public void stop() {
            process.close();
        }
    }

    /**
     * A worker process: a receiver in lease mode that appends each record it processes to
     * {@code deliveries-<id>.txt} (epoch ms, shard, key; flushed before the record is acknowledged) and rewrites
     * its lease-table call counts to {@code calls-<id>.txt} every 500 ms. Runs until killed.
     */
    public static final class WorkerMain {

        private WorkerMain() {
        }

        static Path deliveriesFile(Path dir, String id) {
            return dir.resolve("deliveries-" + id + ".txt");
        }

        static Path callsFile(Path dir, String id) {
            return dir.resolve("calls-" + id + ".txt");
        }

        /**
         * {@code --streams URI --dynamodb URI --stream-arn ARN --lease-table T --worker-id ID --failover-ms N
         * --renew-ms N --take-ms N --max-concurrent-calls N --poll-interval-ms N --idle-after-ms N --idle-poll-ms N
         * --dir DIR}, all required; runs until killed (exit code 2 on a bad argument).
         */
        public static void main(String[] args) {
            System.exit(Cli.execute(new Arguments(), args));
        }

        /** The command line of worker {@code id}, which {@link Arguments} reads back. */
        static List<String> arguments(String id, Setup setup, Path dir) {
            return List.of("--streams", setup.streamsEndpoint().toString(),
                    "--dynamodb", setup.dynamoDbEndpoint().toString(), "--stream-arn", setup.streamArn(),
                    "--lease-table", setup.leaseTable(), "--worker-id", id,
                    "--failover-ms", "" + setup.failoverMs(), "--renew-ms", "" + setup.renewMs(),
                    "--take-ms", "" + setup.takeMs(), "--max-concurrent-calls", "" + setup.maxConcurrentCalls(),
                    "--poll-interval-ms", "" + setup.pacing().pollMs(), "--idle-after-ms", "" + setup.pacing().idleAfterMs(),
                    "--idle-poll-ms", "" + setup.pacing().idlePollMs(),
                    "--dir", dir.toAbsolutePath().toString());
        }

        /** The command line of a worker process, as {@link #arguments} writes it. */
        @Command(name = "WorkerMain", sortOptions = false, usageHelpAutoWidth = true,
                description = "One worker of ScaleWorkersBenchmark in its own JVM.")
        static final class Arguments implements Callable<Integer> {
            @Mixin
            Cli.Help help;
            @Option(names = "--streams", required = true, paramLabel = "URI", description = "DynamoDB Streams endpoint.")
            URI streams;
            @Option(names = "--dynamodb", required = true, paramLabel = "URI", description = "DynamoDB endpoint (lease table).")
            URI dynamoDb;
            @Option(names = "--stream-arn", required = true, paramLabel = "ARN", description = "The stream.")
            String streamArn;
            @Option(names = "--lease-table", required = true, paramLabel = "T", description = "The lease table.")
            String leaseTable;
            @Option(names = "--worker-id", required = true, paramLabel = "ID", description = "This worker's id.")
            String workerId;
            @Option(names = "--failover-ms", required = true, paramLabel = "N", description = "Lease failover time.")
            long failoverMs;
            @Option(names = "--renew-ms", required = true, paramLabel = "N", description = "Lease renewal interval.")
            long renewMs;
            @Option(names = "--take-ms", required = true, paramLabel = "N", description = "Lease take interval.")
            long takeMs;
            @Option(names = "--max-concurrent-calls", required = true, paramLabel = "N", description = "The receiver's maxConcurrentCalls.")
            int maxConcurrentCalls;
            @Option(names = "--poll-interval-ms", required = true, paramLabel = "N", description = "Poll interval (0: the receiver's).")
            long pollIntervalMs;
            @Option(names = "--idle-after-ms", required = true, paramLabel = "N", description = "Idle after (0: the receiver's).")
            long idleAfterMs;
            @Option(names = "--idle-poll-ms", required = true, paramLabel = "N", description = "Idle poll interval (0: the receiver's).")
            long idlePollMs;
            @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Directory of the deliveries and call counts.")
            Path dir;

            Setup setup() {
                return new Setup(streams, dynamoDb, streamArn, leaseTable, failoverMs, renewMs, takeMs, maxConcurrentCalls,
                        new Pacing(pollIntervalMs, idleAfterMs, idlePollMs));
            }

            @Override
            public Integer call() throws Exception {
                work(workerId, dir, setup());
                return 0;
            }
        }

        private static void work(String id, Path dir, Setup setup) throws IOException, InterruptedException {
            Files.createDirectories(dir);
            Clients clients = new Clients(setup);
            BufferedWriter out = Files.newBufferedWriter(deliveriesFile(dir, id), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            subscribe(id, setup, clients.streams, clients.dynamoDb, () -> false, d -> {
                synchronized (out) {
                    try {
                        out.write(d.atMillis() + " " + d.shardId() + " " + d.key() + "\n");
                        out.flush();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            Path calls = callsFile(dir, id);
            Path tmp = dir.resolve("calls-" + id + ".tmp");
            while (true) {
                StringBuilder line = new StringBuilder().append(System.currentTimeMillis());
                clients.calls.counts().forEach((op, n) -> line.append(' ').append(op).append('=').append(n));
                Files.writeString(tmp, line.append('\n'));
                Files.move(tmp, calls, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Thread.sleep(500);
            }
        }

        static CallSnapshot readCalls(Path file) throws IOException {
            String[] f = Files.readString(file).trim().split(" ");
            Map<String, Long> counts = new TreeMap<>();
            for (int i = 1; i < f.length; i++) {
                String[] kv = f[i].split("=");
                counts.put(kv[0], Long.parseLong(kv[1]));
            }
            return new CallSnapshot(Long.parseLong(f[0]), counts);
        }
    }

    // ---------------------------------------------------------------- the writer and the observer

    /** Writes {@code s-0, s-1, ...} at a steady rate on its own thread, except while paused. */
    private static final class Writer implements AutoCloseable {
        private final SimulatedStreamsService service;
        private final double rate;
        private final Thread thread;
        final AtomicLong written = new AtomicLong();
        volatile boolean paused;
        private volatile boolean closed;

        Writer(SimulatedStreamsService service, double rate) {
            this.service = service;
            this.rate = rate;
            this.thread = new Thread(this::loop, "scale-workers-writer");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void loop() {
            long start = System.nanoTime();
            double owed = 0;
            long last = start;
            while (!closed) {
                long now = System.nanoTime();
                if (!paused) {
                    owed += (now - last) / 1e9 * rate;
                    for (; owed >= 1; owed--) {
                        service.write("s-" + written.get());
                        written.incrementAndGet();
                    }
                }
                last = now;
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (!closed) {
                closed = true;
                thread.join();
            }
        }
    }

    /** Reads the lease table (not counted as a worker's calls) to tell whether the leases are balanced. */
    private static final class Observer implements AutoCloseable {
        private final DynamoDbClient client;
        private final String table;
        private final String streamArn;
        private final int shards;

        Observer(DynamoDbClient client, String table, String streamArn, int shards) {
            this.client = client;
            this.table = table;
            this.streamArn = streamArn;
            this.shards = shards;
        }

        private List<Map<String, AttributeValue>> items() {
            List<Map<String, AttributeValue>> items = new ArrayList<>();
            client.queryPaginator(q -> q.tableName(table).keyConditionExpression("streamArn = :arn")
                            .expressionAttributeValues(Map.of(":arn", AttributeValue.fromS(streamArn))))
                    .items().forEach(items::add);
            return items;
        }

        /** Leases held per worker; {@code null} key counts the unowned ones. */
        Map<String, Integer> shares() {
            Map<String, Integer> shares = new TreeMap<>(Comparator.nullsFirst(Comparator.naturalOrder()));
            for (Map<String, AttributeValue> item : items()) {
                String shard = item.get("shardId").s();
                AttributeValue ended = item.get("ended");
                if (shard.startsWith("~") || ended != null && Boolean.TRUE.equals(ended.bool())) {
                    continue;
                }
                AttributeValue owner = item.get("leaseOwner");
                shares.merge(owner == null ? null : owner.s(), 1, Integer::sum);
            }
            return shares;
        }

        String describer() {
            return items().stream().filter(i -> i.get("shardId").s().equals("~discovery"))
                    .map(i -> i.get("describer").s()).findFirst().orElse(null);
        }

        /** The coordinator's own notion: every lease held by a live worker, none above its share (rounded up). */
        boolean balanced(Map<String, Integer> shares, List<String> live) {
            int leases = shares.values().stream().mapToInt(Integer::intValue).sum();
            if (leases != shards || shares.containsKey(null) || !new HashSet<>(live).containsAll(shares.keySet())) {
                return false;
            }
            int high = (shards + live.size() - 1) / live.size();
            return shares.values().stream().allMatch(n -> n <= high);
        }

        /** Every lease held, every live worker within one lease of shards / workers. */
        boolean even(Map<String, Integer> shares, List<String> live) {
            int leases = shares.values().stream().mapToInt(Integer::intValue).sum();
            if (leases != shards || !shares.keySet().equals(new HashSet<>(live))) {
                return false;
            }
            double share = shards / (double) live.size();
            return shares.values().stream().allMatch(n -> Math.abs(n - share) <= 1);
        }

        Balance awaitBalance(String event, List<String> live, long since, Options o) throws InterruptedException {
            long deadline = since + TimeUnit.SECONDS.toNanos(o.balanceTimeoutSeconds);
            Map<String, Integer> shares = Map.of();
            double balancedSeconds = Double.NaN;
            double evenSeconds = Double.NaN;
            // once one is reached, the other is waited for at most evenWaitMs more
            long otherDeadline = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, otherDeadline)
                    && (Double.isNaN(balancedSeconds) || Double.isNaN(evenSeconds))) {
                try {
                    shares = shares();
                    double now = (System.nanoTime() - since) / 1e9;
                    if (Double.isNaN(balancedSeconds) && balanced(shares, live)) {
                        balancedSeconds = now;
                        log.info("Balanced after {}: {} s ({} renewal periods), {}", event, fmt(now),
                                fmt(now * 1000 / o.renewMs()), shares);
                    }
                    if (Double.isNaN(evenSeconds) && even(shares, live)) {
                        evenSeconds = now;
                        log.info("Even (±1) after {}: {} s, {}", event, fmt(now), shares);
                    }
                    if (otherDeadline == Long.MAX_VALUE && (!Double.isNaN(balancedSeconds) || !Double.isNaN(evenSeconds))) {
                        otherDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.evenWaitMs());
                    }
                } catch (ResourceNotFoundException notYet) {
                    // the first worker creates the lease table
                }
                if (Double.isNaN(balancedSeconds) || Double.isNaN(evenSeconds)) {
                    Thread.sleep(o.pollMs);
                }
            }
            if (Double.isNaN(balancedSeconds) || Double.isNaN(evenSeconds)) {
                log.warn("After {}: balanced {}, ±1 {}; shares {}", event, Double.isNaN(balancedSeconds) ? "not reached"
                        : fmt(balancedSeconds) + " s", Double.isNaN(evenSeconds) ? "not reached" : fmt(evenSeconds) + " s",
                        shares);
            }
            return new Balance(event, live.size(), balancedSeconds, balancedSeconds * 1000 / o.renewMs(),
                    !Double.isNaN(balancedSeconds), evenSeconds, shares.toString());
        }

        @Override
        public void close() {
            // the client is the embedded server's, closed with it
        }
    }

    private static double load() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    // ---------------------------------------------------------------- output

    private static void write(Options o, Result r) throws IOException {
        JSON.writeValue(o.out.resolve("scale-workers.json").toFile(), r);
        Files.writeString(o.out.resolve("scale-workers-summary.md"), markdown(List.of(r)));
        chart(List.of(r), o.out.resolve("scale-workers-chart.png"));
    }

    /** One table row per run, then the double-read examples, if any. */
    static String markdown(List<Result> runs) {
        StringBuilder md = new StringBuilder();
        md.append("| run | workers | shards | renew / failover / take (s) | balance: cold start | join | kill"
                        + " | lease writes/s writing / idle (target ≤ 1.1 × shards/renew); without checkpoints"
                        + " | DescribeStream/s writing / idle"
                        + " | GetRecords/s writing | written / lost | by two live workers: all / concurrent; alternations"
                        + " | failover repeats"
                        + " | load start → end |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result r : runs) {
            Window writing = r.window("writing");
            Window idle = r.window("idle");
            md.append("| ").append(r.label()).append(" (").append(r.mode()).append(")")
                    .append(" | ").append(r.killed().equals("none") ? "" + r.workers()
                            : r.workers() + " → " + (r.workers() + 1) + " → " + r.workers())
                    .append(" | ").append(r.shards())
                    .append(" | ").append(secs(r.renewMs())).append(" / ").append(secs(r.failoverMs())).append(" / ")
                    .append(secs(r.takeMs()));
            for (String event : List.of("cold start", "join", "kill")) {
                Balance b = r.balance(event);
                md.append(" | ").append(b == null ? "–" : !b.reached() ? "not within timeout"
                        : fmt(b.seconds()) + " s (" + String.format(Locale.ROOT, "%.1f", b.renewPeriods()) + " renewals); ±1: "
                        + (Double.isNaN(b.evenSeconds()) ? "not reached" : fmt(b.evenSeconds()) + " s"));
            }
            md.append(" | ").append(fmt(writing.leaseWritesPerSecond())).append(" / ").append(fmt(idle.leaseWritesPerSecond()))
                    .append(" vs ").append(fmt(r.leaseWritesTarget())).append(" (idle ")
                    .append(fmt(idle.leaseWritesPerSecond() / r.leaseWritesTarget())).append("×)")
                    .append(writing.checkpointWritesPerSecond() == null ? "; checkpoints not counted"
                            : "; " + fmt(writing.protocolWritesPerSecond()) + " / " + fmt(idle.protocolWritesPerSecond())
                            + " (" + fmt(writing.protocolWritesPerSecond() / r.leaseWritesTarget()) + "× / "
                            + fmt(idle.protocolWritesPerSecond() / r.leaseWritesTarget()) + "×)")
                    .append(" | ").append(fmt(writing.streamsCallsPerSecond().getOrDefault(SimulatedStreamsService.DESCRIBE_STREAM, 0.0)))
                    .append(" / ").append(fmt(idle.streamsCallsPerSecond().getOrDefault(SimulatedStreamsService.DESCRIBE_STREAM, 0.0)))
                    .append(" | ").append(Math.round(writing.streamsCallsPerSecond().getOrDefault(SimulatedStreamsService.GET_RECORDS, 0.0)))
                    .append(" | ").append(r.written()).append(" / ").append(r.lost())
                    .append(" | ").append(r.deliveredByTwoLiveWorkers()).append(" / ").append(r.concurrentDoubleReads())
                    .append("; ").append(r.alternations())
                    .append(" | ").append(r.failoverRepeats()).append(" (killed ").append(r.killed()).append(")")
                    .append(" | ").append(r.loadAtStart()).append(" → ").append(r.loadAtEnd()).append(" |\n");
        }
        for (Result r : runs) {
            md.append("\n").append(r.label()).append(", ").append(r.startedAt()).append(": ").append(r.options())
                    .append("; lease-table calls/s writing ").append(rounded(r.window("writing").leaseCallsPerSecond()))
                    .append(", idle ").append(rounded(r.window("idle").leaseCallsPerSecond()))
                    .append("; shares at the end ").append(r.balances().get(r.balances().size() - 1).shares()).append("\n");
            for (String example : r.alternationExamples()) {
                md.append("- alternation: ").append(example).append("\n");
            }
        }
        return md.toString();
    }

    private static String secs(long millis) {
        return String.format(Locale.ROOT, "%.3g", millis / 1000.0);
    }

    private static Map<String, String> rounded(Map<String, Double> rates) {
        Map<String, String> out = new LinkedHashMap<>();
        rates.forEach((k, v) -> out.put(k, fmt(v)));
        return out;
    }

    private static void chart(List<Result> runs, Path file) throws IOException {
        List<String> names = runs.stream().map(Result::label).toList();
        List<Chart<?, ?>> charts = new ArrayList<>();
        List<Charts.Series> balance = new ArrayList<>();
        List<Charts.Series> periods = new ArrayList<>();
        for (String event : List.of("cold start", "join", "kill")) {
            balance.add(new Charts.Series(event, runs.stream()
                    .map(r -> (Number) (r.balance(event) == null ? 0 : nanToZero(r.balance(event).seconds()))).toList()));
            periods.add(new Charts.Series(event, runs.stream()
                    .map(r -> (Number) (r.balance(event) == null ? 0 : nanToZero(r.balance(event).renewPeriods()))).toList()));
        }
        charts.add(Charts.bars("Time to balance, s (0: not reached)", "s", names, balance, false));
        charts.add(Charts.bars("Time to balance, renewal periods (join target ≤ 3)", "renewals", names, periods, false));
        charts.add(Charts.bars("Lease-table writes/s ÷ (shards / renewInterval) (target ≤ 1.1)", "ratio", names, List.of(
                new Charts.Series("writing", runs.stream().map(r -> (Number) (r.window("writing").leaseWritesPerSecond()
                        / r.leaseWritesTarget())).toList()),
                new Charts.Series("writing, without checkpoints", runs.stream().map(r -> (Number) (r.window("writing")
                        .protocolWritesPerSecond() / r.leaseWritesTarget())).toList()),
                new Charts.Series("idle", runs.stream().map(r -> (Number) (r.window("idle").leaseWritesPerSecond()
                        / r.leaseWritesTarget())).toList()),
                new Charts.Series("idle, without checkpoints", runs.stream().map(r -> (Number) (r.window("idle")
                        .protocolWritesPerSecond() / r.leaseWritesTarget())).toList())), false));
        charts.add(Charts.bars("DescribeStream calls/s per stream (target ≤ 1)", "calls/s", names, List.of(
                new Charts.Series("writing", runs.stream().map(r -> (Number) r.window("writing").streamsCallsPerSecond()
                        .getOrDefault(SimulatedStreamsService.DESCRIBE_STREAM, 0.0)).toList()),
                new Charts.Series("idle", runs.stream().map(r -> (Number) r.window("idle").streamsCallsPerSecond()
                        .getOrDefault(SimulatedStreamsService.DESCRIBE_STREAM, 0.0)).toList())), false));
        for (Chart<?, ?> chart : charts) {
            // run labels are long: tilted, they do not overlap
            ((org.knowm.xchart.CategoryChart) chart).getStyler().setXAxisLabelRotation(15);
        }
        Charts.writeGrid(charts, file);
    }

    private static double nanToZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    /** Reads the {@code scale-workers.json} of each run directory and writes one summary and one chart of them. */
    static void combine(List<Path> dirs, Path out) throws IOException {
        List<Result> runs = new ArrayList<>();
        for (Path dir : dirs) {
            runs.add(JSON.readValue(dir.resolve("scale-workers.json").toFile(), Result.class));
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("scale-workers-summary.md"), markdown(runs));
        chart(runs, out.resolve("scale-workers-chart.png"));
        log.info("Combined {} runs into {}", runs.size(), out);
    }

    /** Which worker {@code --kill} kills: the stream's describer or another one. */
    enum Kill {
        DESCRIBER, FOLLOWER;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Command-line options: {@code --name value}; {@code --help} lists them. The lease timing defaults to
     * {@link LeaseOptions}' (failover 10 s, renewal a third of it, take half of it).
     */
    @Command(name = "ScaleWorkersBenchmark", sortOptions = false, showDefaultValues = true, usageHelpAutoWidth = true,
            description = {"Several workers sharing one stream of many shards through a lease table: cold start,"
                    + " steady windows, join, kill.", "Or, with --combine, one summary and chart of earlier runs."})
    static final class Options implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Cli.Help help;

        @Option(names = "--label", paramLabel = "NAME", description = "Name of the run in the summary and the combined chart.")
        String label = "run";

        int workers;

        int shards;

        @Option(names = "--processes", arity = "1", paramLabel = "true|false", defaultValue = "false",
                showDefaultValue = Visibility.ALWAYS, description = "One JVM per worker.")
        boolean processes;

        @Option(names = "--backlog-per-shard", paramLabel = "N", description = "Changes per shard written before the start.")
        int backlogPerShard = 5;

        @Option(names = "--rate", paramLabel = "N", description = "Changes/s written during the run (except the idle window).")
        double rate = 200;

        @Option(names = "--steady-seconds", paramLabel = "N", description = "Seconds of each steady window (writing, idle);"
                + " a multiple of the renewal interval and of the receiver's 30 s shardDiscoveryInterval holds a whole"
                + " number of every worker's renewal rounds and of the describer's listings (else a window's lease writes/s"
                + " and DescribeStream/s are off by up to one round or listing: workers started together renew in step).")
        int steadySeconds = 20;

        @Option(names = "--failover-ms", paramLabel = "N", description = "Lease failover time.")
        long failoverMs = LeaseOptions.DEFAULT_FAILOVER_TIME.toMillis();

        @Option(names = "--renew-ms", paramLabel = "N", description = "Lease renewal interval (default: a third of --failover-ms).")
        Long renewMs;

        @Option(names = "--take-ms", paramLabel = "N", description = "Lease take interval (default: half of --failover-ms).")
        Long takeMs;

        @Option(names = "--even-wait-ms", paramLabel = "N",
                description = "How long, after balance or even shares, the other is waited for (default: max(10 s, 3 take intervals)).")
        Long evenWaitMs;

        @Option(names = "--poll-ms", paramLabel = "N", description = "Interval of the lease-table reads that check balance.")
        long pollMs = 1000;

        @Option(names = "--poll-interval-ms", paramLabel = "N", description = "The receivers' poll interval (0: their default).")
        long pollIntervalMs;

        @Option(names = "--idle-after-ms", paramLabel = "N", description = "The receivers' idle-after time (0: their default).")
        long idleAfterMs;

        @Option(names = "--idle-poll-ms", paramLabel = "N", description = "The receivers' idle poll interval (0: their default).")
        long idlePollMs;

        @Option(names = "--join-and-kill", arity = "1", paramLabel = "true|false", defaultValue = "true",
                showDefaultValue = Visibility.ALWAYS, description = "Run the join and kill steps.")
        boolean joinAndKill;

        @Option(names = "--balance-timeout-seconds", paramLabel = "N", description = "Longest wait for balance after each event.")
        int balanceTimeoutSeconds = 180;

        @Option(names = "--settle-seconds", paramLabel = "N", description = "Longest wait, after the writer stops, for every change.")
        int settleSeconds = 90;

        @Option(names = "--latency-ms", paramLabel = "MIN,MAX", converter = Cli.RangeConverter.class,
                description = "Latency added to every call of the simulated service, ms (one value: both ends).")
        Cli.Range latencyMs = new Cli.Range(5, 15);

        @Option(names = "--server-threads", paramLabel = "N", description = "Threads of the simulated service.")
        int serverThreads = 8;

        @Option(names = "--max-concurrent-calls", paramLabel = "N", description = "Each receiver's maxConcurrentCalls.")
        int maxConcurrentCalls = ReceiverOptions.DEFAULT_MAX_CONCURRENT_CALLS;

        @Option(names = "--kill", paramLabel = "describer|follower", description = "Which worker the kill step kills.")
        Kill kill = Kill.DESCRIBER;

        @Option(names = "--worker-heap-mb", paramLabel = "N", description = "Heap of each worker process (--processes true).")
        int workerHeapMb = 384;

        @Option(names = "--seed", paramLabel = "N", description = "Seed of the simulated service.")
        long seed = 14;

        @Option(names = "--combine", paramLabel = "DIR,DIR", split = ",", hideParamSyntax = true,
                showDefaultValue = Visibility.NEVER,
                description = "Combine the scale-workers.json of these run directories into --out, and run nothing.")
        List<Path> combine = List.of();

        @Option(names = "--out", paramLabel = "DIR", description = "Directory of the result files.")
        Path out = Path.of("benchmarks/results/scale-workers");

        @Option(names = "--workers", paramLabel = "N", defaultValue = "10", description = "Workers at the start (one more joins).")
        void workers(int n) {
            workers = atLeastOne(n, "--workers");
        }

        @Option(names = "--shards", paramLabel = "N", defaultValue = "1000", description = "Shards (partitions) of the simulated stream.")
        void shards(int n) {
            shards = atLeastOne(n, "--shards");
        }

        private int atLeastOne(int n, String option) {
            if (n < 1) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '" + option
                        + "': must be at least 1, was " + n);
            }
            return n;
        }

        long renewMs() {
            return renewMs != null ? renewMs : failoverMs / 3;
        }

        long takeMs() {
            return takeMs != null ? takeMs : failoverMs / 2;
        }

        long evenWaitMs() {
            return evenWaitMs != null ? evenWaitMs : Math.max(10_000, 3 * takeMs());
        }

        /** Parses {@code args}; a bad argument throws a {@code ParameterException} naming it. */
        static Options parse(String... args) {
            return Cli.parse(new Options(), args);
        }

        @Override
        public Integer call() throws IOException, InterruptedException {
            return runAndReport(this);
        }

        @Override
        public String toString() {
            return (processes ? "worker processes " : "workers in one JVM ") + workers + ", shards " + shards
                    + ", backlog " + backlogPerShard + "/shard, writes " + rate + "/s, steady windows " + steadySeconds
                    + " s, failover " + failoverMs + " ms, renew " + renewMs() + " ms, take " + takeMs()
                    + " ms, latency " + latencyMs.min() + ".." + latencyMs.max() + " ms/call, maxConcurrentCalls "
                    + maxConcurrentCalls + " per worker, receiver " + new Pacing(pollIntervalMs, idleAfterMs, idlePollMs)
                    + ", kill " + (kill == Kill.FOLLOWER ? "a follower" : "the describer")
                    + ", seed " + seed;
        }
    }
}
