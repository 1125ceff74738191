package io.github.ddbstreams.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

/**
 * Injects faults into the calls of a real AWS SDK v2 client: an {@link ExecutionInterceptor} to attach to
 * any client ({@code DynamoDbAsyncClient}, {@code DynamoDbStreamsAsyncClient}, …), e.g. with
 * {@link EmbeddedDynamoDb#newStreamsAsyncClient(FaultInjector)}.
 *
 * <p>Rules choose the calls by operation name ({@code "GetRecords"}, {@code "Scan"}; all operations when
 * none is named) and an optional predicate on the request, and fire on the next N matching calls
 * ({@link FaultSpec#times(int)}), with a probability drawn from this injector's seeded {@link Random}
 * ({@link FaultSpec#withProbability(double)}), or always. Rules are checked in the order they were added;
 * the first that fires decides the call's fate.
 *
 * <p>A "call" here is one HTTP <em>attempt</em>: the SDK's own retry strategy runs outside this
 * interceptor, so a throttled, 5xx or dropped attempt may be retried by the SDK (as with a real fault) and
 * the next attempt is matched again. Errors are thrown before the request is sent, so the server never
 * sees a failed attempt (a throttled write is not applied); {@link FaultKind#LATENCY} lets the call through
 * and holds its response back. The exceptions are the SDK's own modelled ones, with status code and error
 * code set as the service sets them, so the SDK and the code under test classify them as the real thing.
 *
 * <p>Thread-safe; counts every attempt by operation ({@link #calls(String)}) and every injected fault by
 * kind ({@link #injected(FaultKind)}).
 *
 * <pre>{@code
 * FaultInjector faults = FaultInjector.create(42L);
 * DynamoDbStreamsAsyncClient streams = dynamoDb.newStreamsAsyncClient(faults);
 * faults.inject(FaultKind.THROTTLE).on("GetRecords").times(3);
 * faults.inject(FaultKind.SERVER_ERROR).on("GetRecords").withProbability(0.05);
 * faults.inject(FaultKind.LATENCY).latency(Duration.ofMillis(200)).on("GetRecords").times(2);
 * // ... run the code under test ...
 * assertThat(faults.injected(FaultKind.THROTTLE)).isEqualTo(3);
 * }</pre>
 */
public final class FaultInjector implements ExecutionInterceptor {

    /** The latency of a {@link FaultKind#LATENCY} rule that does not set one: 100 ms. */
    public static final Duration DEFAULT_LATENCY = Duration.ofMillis(100);

    private static final Logger log = LoggerFactory.getLogger(FaultInjector.class);

    private static final ExecutionAttribute<Duration> LATENCY = new ExecutionAttribute<>("FaultInjector.latency");
    private static final Set<String> STREAMS_OPERATIONS =
            Set.of("GetRecords", "GetShardIterator", "DescribeStream", "ListStreams");

    private final Random random;
    private final long seed;
    private final List<FaultRule> rules = new CopyOnWriteArrayList<>();
    private final AtomicLongArray injected = new AtomicLongArray(FaultKind.values().length);
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();

    private FaultInjector(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    /**
     * An injector without rules whose probabilities are drawn from a {@code Random} seeded with
     * {@code seed}, so a run can be repeated (as far as the order of calls repeats).
     *
     * <pre>{@code
     * FaultInjector faults = FaultInjector.create(42L);
     * }</pre>
     */
    public static FaultInjector create(long seed) {
        return new FaultInjector(seed);
    }

    /** An injector without rules, with a random seed (logged at INFO, see {@link #seed()}). */
    public static FaultInjector create() {
        long seed = new Random().nextLong();
        log.info("FaultInjector seed: {}", seed);
        return new FaultInjector(seed);
    }

    /** The seed of this injector's {@code Random}. */
    public long seed() {
        return seed;
    }

    /**
     * Starts a rule injecting faults of {@code kind}; the rule is active once one of
     * {@link FaultSpec#times(int)}, {@link FaultSpec#withProbability(double)} or {@link FaultSpec#always()}
     * is called.
     *
     * <pre>{@code
     * FaultRule rule = faults.inject(FaultKind.EXPIRED_ITERATOR).on("GetRecords").times(1);
     * }</pre>
     */
    public FaultSpec inject(FaultKind kind) {
        return new FaultSpec(Objects.requireNonNull(kind, "kind"));
    }

    /** How many faults of this kind were injected so far. */
    public long injected(FaultKind kind) {
        return injected.get(Objects.requireNonNull(kind, "kind").ordinal());
    }

    /** How many faults of each kind were injected so far (every kind present, zero when none). */
    public Map<FaultKind, Long> injected() {
        Map<FaultKind, Long> counts = new EnumMap<>(FaultKind.class);
        for (FaultKind kind : FaultKind.values()) {
            counts.put(kind, injected.get(kind.ordinal()));
        }
        return counts;
    }

    /** How many faults were injected so far, all kinds together. */
    public long totalInjected() {
        long total = 0;
        for (int i = 0; i < injected.length(); i++) {
            total += injected.get(i);
        }
        return total;
    }

    /** How many attempts of this operation (e.g. {@code "GetRecords"}) went through this injector, faulty or not. */
    public long calls(String operation) {
        AtomicLong count = calls.get(Objects.requireNonNull(operation, "operation"));
        return count == null ? 0 : count.get();
    }

    /** Removes every rule; the counts are kept. */
    public void clear() {
        rules.clear();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        calls.computeIfAbsent(String.valueOf(operation), k -> new AtomicLong()).incrementAndGet();
        for (FaultRule rule : rules) {
            if (!rule.matches(operation, context.request()) || !rule.fire()) {
                continue;
            }
            injected.incrementAndGet(rule.kind.ordinal());
            log.debug("Injecting {} into {}", rule.kind, operation);
            switch (rule.kind) {
                case LATENCY:
                    attributes.putAttribute(LATENCY, rule.latency);
                    return;
                case THROTTLE:
                    throw throttling(operation);
                case SERVER_ERROR:
                    throw serviceException(InternalServerErrorException.builder(), 500, "InternalServerError",
                            "Internal server error (injected by FaultInjector)");
                case EXPIRED_ITERATOR:
                    throw serviceException(ExpiredIteratorException.builder(), 400, "ExpiredIteratorException",
                            "Iterator expired. The iterator was created at time ... (injected by FaultInjector)");
                case DROPPED_CONNECTION:
                    throw SdkClientException.builder()
                            .message("Unable to execute HTTP request: Connection reset (injected by FaultInjector)")
                            .cause(new IOException("Connection reset by peer (injected by FaultInjector)"))
                            .build();
                default:
                    throw new IllegalStateException("Unknown fault kind " + rule.kind);
            }
        }
    }

    @Override
    public Optional<Publisher<ByteBuffer>> modifyAsyncHttpResponseContent(Context.ModifyHttpResponse context,
            ExecutionAttributes attributes) {
        Duration latency = attributes.getAttribute(LATENCY);
        if (latency == null) {
            return context.responsePublisher();
        }
        return context.responsePublisher().map(body -> Flux.from(body).delaySubscription(latency));
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
            ExecutionAttributes attributes) {
        Duration latency = attributes.getAttribute(LATENCY);
        if (latency != null) {
            // A blocking client's call blocks its caller anyway: hold it for the latency.
            LockSupport.parkNanos(latency.toNanos());
        }
        return context.responseBody();
    }

    private static AwsServiceException throttling(String operation) {
        if (STREAMS_OPERATIONS.contains(operation)) {
            return serviceException(LimitExceededException.builder(), 400, "LimitExceededException",
                    "Rate exceeded for shard (injected by FaultInjector)");
        }
        return serviceException(ProvisionedThroughputExceededException.builder(), 400,
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded (injected by FaultInjector)");
    }

    private static AwsServiceException serviceException(AwsServiceException.Builder builder, int status,
            String errorCode, String message) {
        return builder
                .statusCode(status)
                .message(message)
                .requestId("injected-" + Long.toHexString(System.nanoTime()))
                .awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode(errorCode)
                        .errorMessage(message)
                        .serviceName("DynamoDb")
                        .sdkHttpResponse(SdkHttpResponse.builder().statusCode(status).build())
                        .build())
                .build();
    }

    @Override
    public String toString() {
        return "FaultInjector{seed=" + seed + ", rules=" + rules + ", injected=" + injected() + "}";
    }

    /**
     * A rule being set up: which calls it matches and, with its terminal method, how often it fires. Not
     * thread-safe; the rule it makes is.
     */
    public final class FaultSpec {
        private final FaultKind kind;
        private Set<String> operations = Set.of();
        private Predicate<SdkRequest> predicate = request -> true;
        private Duration latency = DEFAULT_LATENCY;

        private FaultSpec(FaultKind kind) {
            this.kind = kind;
        }

        /** Matches only these operations (SDK operation names such as {@code "GetRecords"}); default: all. */
        public FaultSpec on(String... operations) {
            Objects.requireNonNull(operations, "operations");
            if (operations.length == 0) {
                throw new IllegalArgumentException("operations must name at least one operation");
            }
            this.operations = Set.copyOf(Arrays.asList(operations));
            return this;
        }

        /**
         * Matches only requests accepted by {@code predicate} (called on the SDK's thread, must not block).
         *
         * <pre>{@code
         * faults.inject(FaultKind.THROTTLE).on("Scan")
         *     .when(r -> ((ScanRequest) r).segment() == 0).times(2);
         * }</pre>
         */
        public FaultSpec when(Predicate<SdkRequest> predicate) {
            this.predicate = Objects.requireNonNull(predicate, "predicate");
            return this;
        }

        /** For {@link FaultKind#LATENCY}: how long each response is held back; default {@link #DEFAULT_LATENCY}. */
        public FaultSpec latency(Duration latency) {
            Objects.requireNonNull(latency, "latency");
            if (latency.isNegative()) {
                throw new IllegalArgumentException("latency must be >= 0, was " + latency);
            }
            this.latency = latency;
            return this;
        }

        /** Fires on the next {@code n} matching calls (n ≥ 1), then never. */
        public FaultRule times(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("times must be >= 1, was " + n);
            }
            return add(new FaultRule(this, n, 1.0));
        }

        /** Fires on each matching call with probability {@code p} (0 &lt; p ≤ 1), drawn from the seeded Random. */
        public FaultRule withProbability(double p) {
            if (!(p > 0.0 && p <= 1.0)) {
                throw new IllegalArgumentException("probability must be in (0, 1], was " + p);
            }
            return add(new FaultRule(this, -1, p));
        }

        /** Fires on every matching call until the rule is {@linkplain FaultRule#cancel() cancelled}. */
        public FaultRule always() {
            return add(new FaultRule(this, -1, 1.0));
        }

        private FaultRule add(FaultRule rule) {
            rules.add(rule);
            return rule;
        }
    }

    /** An active rule of this injector. Thread-safe. */
    public final class FaultRule {
        private final FaultKind kind;
        private final Set<String> operations;
        private final Predicate<SdkRequest> predicate;
        private final Duration latency;
        private final double probability;
        /** Firings left, or -1 for unlimited. */
        private final AtomicLong remaining;
        private final AtomicLong fired = new AtomicLong();

        private FaultRule(FaultSpec spec, long times, double probability) {
            this.kind = spec.kind;
            this.operations = spec.operations;
            this.predicate = spec.predicate;
            this.latency = spec.latency;
            this.probability = probability;
            this.remaining = new AtomicLong(times);
        }

        /** The kind of fault this rule injects. */
        public FaultKind kind() {
            return kind;
        }

        /** How many times this rule fired. */
        public long fired() {
            return fired.get();
        }

        /** Whether a counted rule ({@code times(n)}) has fired n times. */
        public boolean isExhausted() {
            return remaining.get() == 0;
        }

        /** Removes this rule from its injector. */
        public void cancel() {
            rules.remove(this);
        }

        private boolean matches(String operation, SdkRequest request) {
            return (operations.isEmpty() || operations.contains(operation)) && predicate.test(request);
        }

        private boolean fire() {
            if (probability < 1.0) {
                double draw;
                synchronized (random) {
                    draw = random.nextDouble();
                }
                if (draw >= probability) {
                    return false;
                }
            }
            while (true) {
                long left = remaining.get();
                if (left == 0) {
                    return false;
                }
                if (left < 0 || remaining.compareAndSet(left, left - 1)) {
                    fired.incrementAndGet();
                    return true;
                }
            }
        }

        @Override
        public String toString() {
            return kind + (operations.isEmpty() ? " on all" : " on " + operations)
                    + (remaining.get() >= 0 ? " x" + remaining.get() + " left" : "")
                    + (probability < 1.0 ? " p=" + probability : "");
        }
    }
}
