package io.github.ddbstreams.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.github.ddbstreams.operators.BatchResult;
import io.github.ddbstreams.operators.RecordBatch;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
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
 * to a real broker, one batch at a time (one shard) and four at a time (four shards). Not asserted. Run alone with
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

    @Test
    void throughput_of100000RecordsInBatchesOf500_isLogged() {
        List<RecordBatch> batches = batches();
        for (KafkaSinkOptions.ValueFormat format : KafkaSinkOptions.ValueFormat.values()) {
            for (int concurrency : new int[] {1, 4}) {
                String topic = "bench-" + UUID.randomUUID();
                createTopic(topic);
                KafkaSink sink = KafkaSink.create(KafkaSinkOptions.builder().bootstrapServers(kafka.bootstrapServers())
                        .topic(topic).valueFormat(format).deliveryTimeout(Duration.ofSeconds(30)).requestTimeout(Duration.ofSeconds(10)).build());
                try {
                    // warm up: connections, metadata, JIT
                    Flux.fromIterable(batches.subList(0, 20)).concatMap(sink::write).blockLast(Duration.ofMinutes(1));
                    long start = System.nanoTime();
                    long failed = Flux.fromIterable(batches)
                            .flatMapSequential(sink::write, concurrency)
                            .map(BatchResult::failures).map(List::size).reduce(0L, Long::sum)
                            .block(Duration.ofMinutes(5));
                    double seconds = (System.nanoTime() - start) / 1e9;
                    log.info("KafkaSink {} format, {} write(s) at a time: {} records in {} s = {} records/s ({} failed)",
                            format, concurrency, RECORDS, String.format("%.2f", seconds),
                            String.format("%.0f", RECORDS / seconds), failed);
                    assertThat(failed).isZero();
                } finally {
                    sink.disposeLater().block(Duration.ofMinutes(2));
                }
            }
        }
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
