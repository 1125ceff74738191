package io.github.ddbstreams.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.testkit.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Logs the sink's throughput (records/s) on this machine: 100,000 pre-built records in batches of 500 written
 * to a real broker, one batch at a time (one shard) and four at a time (four shards), by {@link KafkaSink} on its
 * own producer and by {@link KafkaSenderSink} on a reactor-kafka sender of the same producer configuration, each
 * with linger 5 ms (Kafka 4's default) and 0 (the sink's), side by side ({@code -Dkafka.bench.reps=2},
 * {@code -Dkafka.bench.format=NEW_IMAGE}). Not asserted but for failed records. Run alone with
 * {@code mvn -B -ntp -pl sinks/kafka -am verify -Dtest=None -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=KafkaSinkThroughputIntegrationTest -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
class KafkaSinkThroughputIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(KafkaSinkThroughputIntegrationTest.class);
    private static final int RECORDS = 100_000;
    private static final int BATCH = 500;
    private static final String ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/bench/stream/2024-01-01T00:00:00.000";

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** A sink to measure, and what to close after it. */
    private record Contender(String name, KafkaSink sink, AutoCloseable owner) {
    }

    @Test
    void throughput_of100000RecordsInBatchesOf500_isLogged_forTheProducerSinkBesideTheKafkaSenderSink() throws Exception {
        List<RecordBatch> batches = batches();
        KafkaSinkOptions.ValueFormat format = KafkaSinkOptions.ValueFormat.valueOf(
                System.getProperty("kafka.bench.format", "NEW_IMAGE"));
        int reps = Integer.getInteger("kafka.bench.reps", 2);
        List<String> names = List.of("KafkaSink (Producer), linger 5 ms", "KafkaSink (Producer), linger 0 (default)",
                "KafkaSenderSink (reactor-kafka), linger 5 ms", "KafkaSenderSink (reactor-kafka), linger 0");
        Map<String, List<Double>> rates = new java.util.TreeMap<>();
        for (int rep = 0; rep < reps; rep++) {
            for (int concurrency : new int[] {1, 4}) {
                // alternate the order per repetition: a later contender may find a warmer broker
                for (int c = 0; c < names.size(); c++) {
                    int index = rep % 2 == 0 ? c : names.size() - 1 - c;
                    if (index >= 2 && !reactorKafkaPresent()) {
                        continue; // the kafka-clients 4.x run has no reactor-kafka: the Producer sink alone
                    }
                    String topic = "bench-" + UUID.randomUUID();
                    createTopic(topic);
                    Contender contender = contender(index, names.get(index), topic, format);
                    try {
                        double rate = measure(contender.sink(), batches, concurrency);
                        log.info("{}, {} format, {} write(s) at a time: {} records/s", contender.name(), format,
                                concurrency, String.format("%.0f", rate));
                        rates.computeIfAbsent(contender.name() + ", " + concurrency + " at a time",
                                k -> new java.util.ArrayList<>()).add(rate);
                    } finally {
                        contender.sink().disposeLater().block(Duration.ofMinutes(2));
                        contender.owner().close();
                    }
                }
            }
        }
        String clients = org.apache.kafka.common.utils.AppInfoParser.getVersion();
        rates.forEach((name, values) -> log.info("summary (kafka-clients {}): {} records/s {}", clients, name,
                values.stream().map(v -> String.format("%.0f", v)).toList()));
    }

    private static Contender contender(int index, String name, String topic, KafkaSinkOptions.ValueFormat format) {
        Duration linger = index % 2 == 0 ? Duration.ofMillis(5) : Duration.ZERO;
        KafkaSinkOptions options = KafkaSinkOptions.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic)
                .valueFormat(format).linger(linger).deliveryTimeout(Duration.ofSeconds(30))
                .requestTimeout(Duration.ofSeconds(10)).build();
        if (index < 2) {
            return new Contender(name, KafkaSink.create(options), () -> { });
        }
        // every reactor-kafka type stays in ReactorKafkaSenders
        ReactorKafkaSenders.SinkOnSender onSender = ReactorKafkaSenders.sink(options.producerConfig(),
                KafkaSinkOptions.builder().topic(topic).valueFormat(format).build());
        return new Contender(name, onSender.sink(), onSender);
    }

    private static boolean reactorKafkaPresent() {
        try {
            Class.forName("reactor.kafka.sender.KafkaSender");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Records per second writing {@code batches}, {@code concurrency} writes at a time, after a warm-up. */
    private static double measure(KafkaSink sink, List<RecordBatch> batches, int concurrency) {
        // warm up: connections, metadata, JIT
        Flux.fromIterable(batches.subList(0, 20)).concatMap(sink::write).blockLast(Duration.ofMinutes(1));
        long start = System.nanoTime();
        long failed = Flux.fromIterable(batches)
                .flatMapSequential(sink::write, concurrency)
                .map(BatchResult::failures).map(List::size).reduce(0L, Long::sum)
                .block(Duration.ofMinutes(5));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(failed).as("failed records").isZero();
        return RECORDS / seconds;
    }

    /** ~150 B per record in the NEW_IMAGE format (key ~20 B, value ~110 B, headers ~90 B). */
    private static List<RecordBatch> batches() {
        List<ChangeRecord> records = IntStream.range(0, RECORDS).mapToObj(i -> ChangeRecord.builder()
                .eventId(UUID.randomUUID().toString()).eventName(i % 10 == 0 ? EventName.INSERT : EventName.MODIFY)
                .sequenceNumber(String.format("%021d", 1_000_000 + i)).shardId("shardId-00000001").streamArn(ARN)
                .keys(Map.of("pk", AttributeValue.fromS("item-" + i % 10_000)))
                .newImage(Map.of("pk", AttributeValue.fromS("item-" + i % 10_000),
                        "amount", AttributeValue.fromN(String.valueOf(i * 7 % 100_000)),
                        "status", AttributeValue.fromS(i % 2 == 0 ? "PAID" : "SHIPPED"),
                        "note", AttributeValue.fromS("order note number " + i)))
                .build()).toList();
        return IntStream.range(0, RECORDS / BATCH)
                .mapToObj(b -> RecordBatch.of(records.subList(b * BATCH, (b + 1) * BATCH))).toList();
    }

    private static void createTopic(String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // a produce request reaching a partition before its leader is open can, with idempotence, leave the
            // producer retrying OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout (KAFKA-15591): wait for leaders
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(topic).partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        } catch (Exception e) {
            throw new AssertionError("cannot create topic " + topic, e);
        }
    }
}
