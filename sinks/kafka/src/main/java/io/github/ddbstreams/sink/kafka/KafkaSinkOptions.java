package io.github.ddbstreams.sink.kafka;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import io.github.ddbstreams.internal.OptionsSupport;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.StreamArns;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import reactor.core.scheduler.Scheduler;

/**
 * Options of a {@link KafkaSink}: immutable, made with {@link #builder()}, derived with {@link #toBuilder()}.
 *
 * <p>The producer is always idempotent with {@code acks=all} and at most 5 requests in flight per connection
 * (what Kafka needs to keep a partition's order with retries): extra {@link Builder#producerProperties(Map)
 * producer properties} may tune anything else, but {@link Builder#build()} rejects ones that break those
 * guarantees. {@link #deliveryTimeout()}, {@link #requestTimeout()} and {@link #maxBlock()} bound how long a
 * send can take before it is reported as failed, so an unreachable broker surfaces as record failures in
 * bounded time (then retried by {@link io.github.ddbstreams.operators.errors.ErrorHandling}) rather than a hang.
 *
 * <p>The sink creates its {@code KafkaProducer} from {@link #producerConfig()}, or writes with a
 * {@link Builder#producer(Producer) producer passed in} (then the producer's own configuration applies and the
 * sink never closes it). Works with kafka-clients 3.9 and 4.x.
 *
 * <pre>{@code
 * KafkaSinkOptions options = KafkaSinkOptions.builder()
 *     .bootstrapServers("broker-1:9092,broker-2:9092")
 *     .topicSelector(record -> "cdc." + KafkaSinkOptions.tableName(record.streamArn()))
 *     .valueFormat(KafkaSinkOptions.ValueFormat.NEW_IMAGE)
 *     .removeAsTombstone(true)
 *     .producerProperties(Map.of("compression.type", "lz4"))
 *     .build();
 * }</pre>
 */
public final class KafkaSinkOptions {

    /** What a record's Kafka value holds. */
    public enum ValueFormat {
        /** The record as Lambda event JSON ({@link ChangeRecord#toLambdaEventJson()}): images in DynamoDB JSON. */
        LAMBDA_EVENT,
        /**
         * The new image only, as plain JSON: S as strings, N as JSON numbers (exact), B as base64 strings, BOOL,
         * NULL, sets and lists as arrays, maps as objects. A REMOVE (no new image) is {@code {}} unless
         * {@link #removeAsTombstone()}.
         */
        NEW_IMAGE
    }

    /** The default {@link #name()}: the {@code sink} tag of the meters. */
    public static final String DEFAULT_NAME = "kafka";
    /** By default the value is the record as Lambda event JSON. */
    public static final ValueFormat DEFAULT_VALUE_FORMAT = ValueFormat.LAMBDA_EVENT;
    /** By default a REMOVE is written as a record with a value, not as a tombstone. */
    public static final boolean DEFAULT_REMOVE_AS_TOMBSTONE = false;
    /** By default at most 512 sends of one {@link KafkaSink#write} call are in flight at a time. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 512;
    /** By default a send is reported failed when not acknowledged within 2 minutes (Kafka's default). */
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofMinutes(2);
    /** By default one produce request waits 30 seconds for the broker (Kafka's default). */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** By default waiting for a topic's metadata (or for buffer space) takes at most 60 seconds (Kafka's default). */
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(60);
    /**
     * By default the producer sends at once ({@code linger.ms=0}, Kafka 3's default; Kafka 4's is 5 ms). A
     * {@link KafkaSink#write} hands all its records to the producer together, so its batches fill without waiting,
     * and a write completes only when its last record is acknowledged: a linger would only delay that last partial
     * batch per partition (measured, one write of 500 records at a time: ~2.5× the throughput with 0 than with 5 ms;
     * equal at four writes at a time; sinks/kafka/README.md "Throughput").
     */
    public static final Duration DEFAULT_LINGER = Duration.ZERO;

    private static final int MAX_IN_FLIGHT_REQUESTS_WITH_IDEMPOTENCE = 5;

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;
    private final Map<String, Object> producerProperties;

    private KafkaSinkOptions(Builder b) {
        this.s = b.copy();
        this.producerProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.producerProperties));
    }

    /**
     * A builder with every option at its default. {@link Builder#bootstrapServers(String)} (or the property
     * {@code bootstrap.servers}) must be set for a sink that creates its producer.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive modified ones. */
    public Builder toBuilder() {
        return s.copy();
    }

    /**
     * The table name in a DynamoDB stream ARN ({@code arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>}):
     * the default topic of a record is {@code tableName(record.streamArn())}.
     *
     * <pre>{@code
     * KafkaSinkOptions.tableName("arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000"); // "orders"
     * }</pre>
     *
     * @throws IllegalArgumentException when the ARN has no {@code :table/<name>/stream/} part
     */
    public static String tableName(String streamArn) {
        return StreamArns.tableName(streamArn).orElseThrow(() -> new IllegalArgumentException(
                "not a DynamoDB stream ARN (no ':table/<name>/stream/'): " + streamArn));
    }

    /** The bootstrap servers ({@code host:port,...}), or {@code null} when given in {@link #producerProperties()}. */
    public String bootstrapServers() {
        return s.bootstrapServers;
    }

    /** Whether {@link #producerConfig()} names the brokers, as a sink creating its producer needs. */
    boolean hasBootstrapServers() {
        Object servers = producerProperties.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
        return s.bootstrapServers != null || (servers != null && !servers.toString().isBlank());
    }

    /** The extra producer properties given by the user, unmodifiable (see {@link #producerConfig()}). */
    public Map<String, Object> producerProperties() {
        return producerProperties;
    }

    /**
     * The complete producer configuration the sink uses: its defaults (idempotence, {@code acks=all}, 5 requests in
     * flight per connection, the timeouts and linger of these options, byte-array serializers), then the
     * {@link #producerProperties()}. Unmodifiable.
     */
    public Map<String, Object> producerConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        if (s.bootstrapServers != null) {
            config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers);
        }
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, MAX_IN_FLIGHT_REQUESTS_WITH_IDEMPOTENCE);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, millis(s.deliveryTimeout));
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, millis(s.requestTimeout));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (long) millis(s.maxBlock));
        config.put(ProducerConfig.LINGER_MS_CONFIG, millis(s.linger));
        config.putAll(producerProperties);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return Collections.unmodifiableMap(config);
    }

    /**
     * The producer the sink writes with, passed in by the user and never closed by the sink; {@code null} (the
     * default) when the sink creates its own from {@link #producerConfig()}.
     */
    public Producer<byte[], byte[]> producer() {
        return s.producer;
    }

    /**
     * Where the sink calls {@code Producer.send} and emits each write's result; {@code null} (the default): a bounded
     * elastic scheduler of the sink's own, disposed with it.
     */
    public Scheduler sendScheduler() {
        return s.sendScheduler;
    }

    /** Chooses each record's topic; by default the table name of the record's stream ARN. */
    public Function<ChangeRecord, String> topicSelector() {
        return s.topicSelector;
    }

    /** What the Kafka value holds. */
    public ValueFormat valueFormat() {
        return s.valueFormat;
    }

    /** Whether a REMOVE is written as a tombstone (a {@code null} value), so compacted topics drop the key. */
    public boolean removeAsTombstone() {
        return s.removeAsTombstone;
    }

    /**
     * How many sends of one {@link KafkaSink#write} call are in flight at most (handed to the producer and not yet
     * acknowledged). A sink on a reactor-kafka {@code KafkaSender} uses the sender's own {@code maxInFlight} instead.
     */
    public int maxInFlight() {
        return s.maxInFlight;
    }

    /** Kafka's {@code delivery.timeout.ms}: a send not acknowledged in this time fails. */
    public Duration deliveryTimeout() {
        return s.deliveryTimeout;
    }

    /** Kafka's {@code request.timeout.ms}: how long one produce request waits for the broker. */
    public Duration requestTimeout() {
        return s.requestTimeout;
    }

    /** Kafka's {@code max.block.ms}: how long the sink waits for a topic's metadata or for buffer space. */
    public Duration maxBlock() {
        return s.maxBlock;
    }

    /** Kafka's {@code linger.ms}: how long the producer waits to fill a batch. */
    public Duration linger() {
        return s.linger;
    }

    /** The sink's name: the {@code sink} tag of its meters and the prefix of its producer's client id. */
    public String name() {
        return s.name;
    }

    /** Where the sink's meters go, or {@code null} (no meters; Micrometer need not be on the classpath). */
    public MeterRegistry meterRegistry() {
        return s.meterRegistry;
    }

    /** Where the sink's observations go, or {@code null}. */
    public ObservationRegistry observationRegistry() {
        return s.observationRegistry;
    }

    @Override
    public String toString() {
        // property values may hold credentials (sasl.jaas.config, ssl passwords): show only their names
        return "KafkaSinkOptions{name=" + s.name + ", bootstrapServers=" + s.bootstrapServers
                + ", producerProperties=" + producerProperties.keySet() + ", producer=" + (s.producer != null ? "given" : "created")
                + ", sendScheduler=" + s.sendScheduler + ", valueFormat=" + s.valueFormat
                + ", removeAsTombstone=" + s.removeAsTombstone + ", maxInFlight=" + s.maxInFlight
                + ", deliveryTimeout=" + s.deliveryTimeout + ", requestTimeout=" + s.requestTimeout
                + ", maxBlock=" + s.maxBlock + ", linger=" + s.linger + ", meters=" + (s.meterRegistry != null)
                + ", observations=" + (s.observationRegistry != null) + "}";
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    /** Builds {@link KafkaSinkOptions}. Not thread-safe. */
    public static final class Builder implements Cloneable {

        private String bootstrapServers;
        private Map<String, Object> producerProperties = new LinkedHashMap<>();
        private Producer<byte[], byte[]> producer;
        private Scheduler sendScheduler;
        private Function<ChangeRecord, String> topicSelector = record -> tableName(record.streamArn());
        private ValueFormat valueFormat = DEFAULT_VALUE_FORMAT;
        private boolean removeAsTombstone = DEFAULT_REMOVE_AS_TOMBSTONE;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Duration deliveryTimeout = DEFAULT_DELIVERY_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration maxBlock = DEFAULT_MAX_BLOCK;
        private Duration linger = DEFAULT_LINGER;
        private String name = DEFAULT_NAME;
        private MeterRegistry meterRegistry;
        private ObservationRegistry observationRegistry;

        private Builder() {
        }

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            Builder c = OptionsSupport.copy(this::clone);
            c.producerProperties = new LinkedHashMap<>(producerProperties);
            return c;
        }

        /**
         * The brokers to bootstrap from, {@code host:port[,host:port...]}; required for a sink that creates its
         * producer, unless in the producer properties.
         */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            return this;
        }

        /**
         * Extra producer properties ({@code ProducerConfig} names), added to those already given; they override
         * the sink's defaults. A complete producer configuration may be given here instead of
         * {@link #bootstrapServers(String)}. Rejected by {@link #build()}: {@code acks} other than {@code all},
         * {@code enable.idempotence=false}, {@code max.in.flight.requests.per.connection} above 5, serializers and
         * {@code transactional.id}.
         */
        public Builder producerProperties(Map<String, ?> producerProperties) {
            Objects.requireNonNull(producerProperties, "producerProperties");
            producerProperties.forEach((k, v) -> producerProperty(k, v));
            return this;
        }

        /** One extra producer property (see {@link #producerProperties(Map)}). */
        public Builder producerProperty(String name, Object value) {
            Objects.requireNonNull(name, "producer property name");
            Objects.requireNonNull(value, () -> "producer property " + name);
            this.producerProperties.put(name, value);
            return this;
        }

        /**
         * Writes with this producer instead of creating one: for applications that already have a producer (or a
         * {@code MockProducer} in tests). The sink never closes it. It must take {@code byte[]} keys and values and
         * should be idempotent with {@code acks=all} (the order and no-loss guarantees rely on it; the sink cannot
         * check a producer's configuration); {@link #bootstrapServers(String)} and
         * {@link #producerProperties(Map)} must then be left unset, and {@link #deliveryTimeout(Duration)},
         * {@link #requestTimeout(Duration)}, {@link #maxBlock(Duration)} and {@link #linger(Duration)} do not apply
         * (the producer's own settings do). {@code null} (the default): the sink creates a {@code KafkaProducer}
         * from {@link KafkaSinkOptions#producerConfig()} and closes it on dispose.
         *
         * <pre>{@code
         * Producer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
         * KafkaSink sink = KafkaSink.create(KafkaSinkOptions.builder().producer(producer).topic("cdc").build());
         * }</pre>
         */
        public Builder producer(Producer<byte[], byte[]> producer) {
            this.producer = producer;
            return this;
        }

        /**
         * Where the sink calls {@code Producer.send} and emits each write's result. {@code send} can block its caller
         * up to {@link #maxBlock(Duration) maxBlock} while a topic's metadata is fetched or the producer's buffer is
         * full, so the sink never calls it on the subscriber's thread: give a scheduler whose threads may block (a
         * bounded elastic one, or one made for the sink). Results are emitted there too, never on the producer's I/O
         * thread. {@code null} (the default): a bounded elastic scheduler of the sink's own (daemon threads named
         * {@code ddb-streams-kafka-<name>}), disposed with the sink; one passed in is never disposed by the sink.
         */
        public Builder sendScheduler(Scheduler sendScheduler) {
            this.sendScheduler = sendScheduler;
            return this;
        }

        /** Every record goes to this topic. */
        public Builder topic(String topic) {
            Objects.requireNonNull(topic, "topic");
            OptionsSupport.requireNotBlank(topic, "topic");
            return topicSelector(record -> topic);
        }

        /**
         * Chooses each record's topic; default: the table name of the record's stream ARN
         * ({@link KafkaSinkOptions#tableName(String)}). A selector that throws or returns {@code null} fails that
         * record (reported in the {@link io.github.ddbstreams.sink.BatchResult}).
         */
        public Builder topicSelector(Function<ChangeRecord, String> topicSelector) {
            this.topicSelector = Objects.requireNonNull(topicSelector, "topicSelector");
            return this;
        }

        /** What the Kafka value holds; default {@link ValueFormat#LAMBDA_EVENT}. */
        public Builder valueFormat(ValueFormat valueFormat) {
            this.valueFormat = Objects.requireNonNull(valueFormat, "valueFormat");
            return this;
        }

        /** Whether a REMOVE is written with a {@code null} value (a tombstone); default false. */
        public Builder removeAsTombstone(boolean removeAsTombstone) {
            this.removeAsTombstone = removeAsTombstone;
            return this;
        }

        /** How many sends of one write are in flight at most; at least 1; default {@value KafkaSinkOptions#DEFAULT_MAX_IN_FLIGHT}. */
        public Builder maxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
            return this;
        }

        /** Kafka's {@code delivery.timeout.ms}; at least {@code requestTimeout + linger}; default 2 minutes. */
        public Builder deliveryTimeout(Duration deliveryTimeout) {
            this.deliveryTimeout = Objects.requireNonNull(deliveryTimeout, "deliveryTimeout");
            return this;
        }

        /** Kafka's {@code request.timeout.ms}; positive; default 30 seconds. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
            return this;
        }

        /** Kafka's {@code max.block.ms} (metadata and buffer waits); zero or more; default 60 seconds. */
        public Builder maxBlock(Duration maxBlock) {
            this.maxBlock = Objects.requireNonNull(maxBlock, "maxBlock");
            return this;
        }

        /** Kafka's {@code linger.ms}; zero or more; default 0 (see {@link KafkaSinkOptions#DEFAULT_LINGER}). */
        public Builder linger(Duration linger) {
            this.linger = Objects.requireNonNull(linger, "linger");
            return this;
        }

        /** The sink's name (keep it a constant: it is a meter tag); default {@value KafkaSinkOptions#DEFAULT_NAME}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Registers the sink meters ({@code ddb.streams.sink.*}) here; {@code null} (the default): none. */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = meterRegistry;
            return this;
        }

        /** Records an observation {@code ddb.streams.sink.write} per write here; {@code null} (the default): none. */
        public Builder observationRegistry(ObservationRegistry observationRegistry) {
            this.observationRegistry = observationRegistry;
            return this;
        }

        /**
         * Validates and builds the options. Whether the bootstrap servers are known is checked when a sink that
         * creates its producer is made ({@link KafkaSink#create(KafkaSinkOptions)} without {@link #producer(Producer)}):
         * a sink on a producer or a reactor-kafka sender passed in needs none.
         *
         * @throws IllegalArgumentException naming the offending option
         */
        public KafkaSinkOptions build() {
            if (producer != null && (bootstrapServers != null || !producerProperties.isEmpty())) {
                throw new IllegalArgumentException("bootstrapServers and producerProperties must not be set with producer: "
                        + "a producer passed in has its own configuration");
            }
            if (bootstrapServers != null && bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers must not be blank");
            }
            checkProperty(ProducerConfig.ACKS_CONFIG, v -> v.equals("all") || v.equals("-1"), "must be all (or -1)");
            checkProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, v -> v.equalsIgnoreCase("true"), "must be true");
            checkProperty(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, v -> {
                try {
                    int n = Integer.parseInt(v);
                    return n >= 1 && n <= MAX_IN_FLIGHT_REQUESTS_WITH_IDEMPOTENCE;
                } catch (NumberFormatException e) {
                    return false;
                }
            }, "must be between 1 and 5 (the idempotent producer keeps order only up to 5)");
            for (String forbidden : new String[] {ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ProducerConfig.TRANSACTIONAL_ID_CONFIG}) {
                if (producerProperties.containsKey(forbidden)) {
                    throw new IllegalArgumentException("producerProperties[" + forbidden
                            + "] must not be set: the sink serializes records itself and does not use transactions");
                }
            }
            OptionsSupport.require(maxInFlight >= 1, "maxInFlight", "be at least 1", maxInFlight);
            OptionsSupport.requirePositive(requestTimeout, "requestTimeout");
            OptionsSupport.require(!maxBlock.isNegative(), "maxBlock", "not be negative", maxBlock);
            OptionsSupport.require(!linger.isNegative(), "linger", "not be negative", linger);
            if (deliveryTimeout.compareTo(requestTimeout.plus(linger)) < 0) {
                throw new IllegalArgumentException("deliveryTimeout (" + deliveryTimeout
                        + ") must be at least requestTimeout + linger (" + requestTimeout.plus(linger) + ")");
            }
            OptionsSupport.requireNotBlank(name, "name");
            return new KafkaSinkOptions(this);
        }

        private void checkProperty(String property, java.util.function.Predicate<String> valid, String rule) {
            Object value = producerProperties.get(property);
            if (value != null && !valid.test(value.toString().trim())) {
                throw new IllegalArgumentException("producerProperties[" + property + "] " + rule + ", was " + value);
            }
        }
    }
}
