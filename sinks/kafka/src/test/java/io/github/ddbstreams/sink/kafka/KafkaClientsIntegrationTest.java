package io.github.ddbstreams.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The sink on whichever kafka-clients the test classpath holds: failsafe runs the integration tests once on the
 * kafka-clients the module is built with (3.9, reactor-kafka present) and once on kafka-clients 4.x without
 * reactor-kafka (execution {@code kafka-clients-4}); the system properties {@value #EXPECTED_CLIENTS} and
 * {@value #EXPECTED_REACTOR_KAFKA} say which, so a build that silently ran the old classpath twice would fail here.
 */
class KafkaClientsIntegrationTest {

    static final String EXPECTED_CLIENTS = "ddbstreams.test.kafka-clients.version";
    static final String EXPECTED_REACTOR_KAFKA = "ddbstreams.test.reactor-kafka";
    private static final String ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/orders/stream/2024-01-01T00:00:00.000";

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
    void testClasspath_holdsTheExpectedKafkaClients_andReactorKafkaOnlyWhenExpected() {
        assertThat(AppInfoParser.getVersion()).as("kafka-clients on the test classpath")
                .isEqualTo(System.getProperty(EXPECTED_CLIENTS));
        if ("absent".equals(System.getProperty(EXPECTED_REACTOR_KAFKA))) {
            assertThatThrownBy(() -> Class.forName("reactor.kafka.sender.KafkaSender"))
                    .isInstanceOf(ClassNotFoundException.class);
        } else {
            assertThat(System.getProperty(EXPECTED_REACTOR_KAFKA)).isEqualTo("present");
        }
    }

    @Test
    void sinkCreatingItsProducer_writesInOrder_andReportsTheRecordTheBrokerRejects() {
        String topic = createTopic(Map.of("max.message.bytes", "4096"));
        KafkaSink sink = KafkaSink.create(KafkaSinkOptions.builder().bootstrapServers(kafka.bootstrapServers())
                .topic(topic).producerProperty(ProducerConfig.BATCH_SIZE_CONFIG, 1024).build());
        try {
            RecordBatch batch = batch(30, 12);
            BatchResult result = sink.write(batch).block(Duration.ofMinutes(1));

            assertThat(result.failures()).singleElement().satisfies(failure -> {
                assertThat(failure.record().sequenceNumber()).isEqualTo("112");
                assertThat(failure.error()).isInstanceOf(RecordTooLargeException.class);
            });
            assertThat(consume(topic, 29)).extracting(r -> header(r, KafkaSink.HEADER_SEQUENCE_NUMBER))
                    .containsExactlyElementsOf(batch.records().stream().map(ChangeRecord::sequenceNumber)
                            .filter(n -> !n.equals("112")).toList());
        } finally {
            sink.disposeLater().block(Duration.ofMinutes(1));
        }
    }

    @Test
    void sinkOnAProducerPassedIn_writes_andLeavesTheProducerOpen() throws Exception {
        String topic = createTopic(Map.of());
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (Producer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            KafkaSink sink = KafkaSink.create(KafkaSinkOptions.builder().producer(producer).topic(topic).build());
            assertThat(sink.write(batch(20, -1)).block(Duration.ofMinutes(1)).isSuccess()).isTrue();
            sink.disposeLater().block(Duration.ofMinutes(1));

            // still open: the application's producer is the application's to close
            producer.send(new ProducerRecord<>(topic, "after".getBytes(StandardCharsets.UTF_8), null)).get(30, TimeUnit.SECONDS);
            assertThat(consume(topic, 21)).hasSize(21);
        }
    }

    @Test
    void sinkOnAReactorKafkaSender_writes_reportsTheRejectedRecord_andLeavesTheSenderOpen() throws Exception {
        Assumptions.assumeTrue("present".equals(System.getProperty(EXPECTED_REACTOR_KAFKA)), "reactor-kafka on the classpath");
        String topic = createTopic(Map.of("max.message.bytes", "4096"));
        // every reactor-kafka type stays in ReactorKafkaSenders, so this class loads without reactor-kafka
        try (ReactorKafkaSenders.SinkOnSender onSender = ReactorKafkaSenders.sink(kafka.bootstrapServers(), topic)) {
            RecordBatch batch = batch(30, 12);
            BatchResult result = onSender.sink().write(batch).block(Duration.ofMinutes(1));
            onSender.sink().disposeLater().block(Duration.ofMinutes(1));

            assertThat(result.failures()).singleElement().satisfies(failure -> {
                assertThat(failure.record().sequenceNumber()).isEqualTo("112");
                assertThat(failure.error()).isInstanceOf(RecordTooLargeException.class);
            });
            assertThat(onSender.senderUsable()).as("the sender still works after the sink was disposed").isTrue();
            List<String> expected = new ArrayList<>(batch.records().stream().map(ChangeRecord::sequenceNumber)
                    .filter(n -> !n.equals("112")).toList());
            expected.add("after");
            assertThat(consume(topic, 30)).extracting(r -> r.headers().lastHeader(KafkaSink.HEADER_SEQUENCE_NUMBER) == null
                    ? new String(r.key(), StandardCharsets.UTF_8) : header(r, KafkaSink.HEADER_SEQUENCE_NUMBER))
                    .containsExactlyElementsOf(expected);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** {@code size} records of one item (one partition, so topic order is batch order); {@code big} is 20 KB. */
    private static RecordBatch batch(int size, int big) {
        return RecordBatch.of(IntStream.range(0, size).mapToObj(i -> ChangeRecord.builder().eventId("e" + i)
                .eventName(EventName.MODIFY).sequenceNumber(String.valueOf(100 + i)).shardId("shard-1").streamArn(ARN)
                .keys(Map.of("pk", AttributeValue.fromS("item")))
                .newImage(Map.of("pk", AttributeValue.fromS("item"),
                        "payload", AttributeValue.fromS(i == big ? "x".repeat(20_000) : "change-" + i)))
                .build()).toList());
    }

    private static String createTopic(Map<String, String> configs) {
        String topic = "clients-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(configs))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot create topic " + topic, e);
        }
        return topic;
    }

    private static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int count) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertThat(records).as("records in " + topic).hasSize(count);
        return records;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
