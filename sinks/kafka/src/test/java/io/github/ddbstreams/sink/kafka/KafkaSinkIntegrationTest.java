package io.github.ddbstreams.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.batch.Batching;
import io.github.ddbstreams.operators.errors.DynamoDbFailureDestination;
import io.github.ddbstreams.operators.errors.DynamoDbFailureDestinationOptions;
import io.github.ddbstreams.operators.errors.ErrorHandling;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * {@link KafkaSink} between a real DynamoDB Local stream and a real Kafka broker: receiver → batching →
 * error handling → sink, then the topic is read back and compared with what was written to the table.
 */
class KafkaSinkIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(KafkaSinkIntegrationTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 4;
    private static final AtomicInteger names = new AtomicInteger();

    private static EmbeddedKafka kafka;
    private static EmbeddedDynamoDb dynamoDb;
    private static DynamoDbAsyncClient client;

    @BeforeAll
    static void startServers() {
        kafka = EmbeddedKafka.start();
        dynamoDb = EmbeddedDynamoDb.start();
        client = dynamoDb.dynamoDbAsyncClient();
    }

    @AfterAll
    static void stopServers() {
        if (kafka != null) {
            kafka.close();
        }
        if (dynamoDb != null) {
            dynamoDb.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void pipeline_with2000ChangesOver300Keys_leavesEveryChangeOfEachKeyInOrder() {
        String table = newName("orders");
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        createTopic(table, Map.of());
        KafkaSink sink = KafkaSink.create(sinkOptions().build());
        // 2,000 changes, 6-7 a key on average, spread over 4 partitions: what per-key order needs (this class runs
        // twice, on kafka-clients 3.9 and 4.x; the outage test below keeps 5,000 so that its outages fall mid-run)
        List<Op> ops = plan(2000, 300, 42);

        Disposable pipeline = pipeline(table, sink, errorOptions().build(), new CopyOnWriteArrayList<>());
        try {
            apply(table, ops).block(Duration.ofMinutes(3));
            List<ConsumerRecord<byte[], byte[]>> topic = consume(table, ops.size());
            assertEveryChangeInOrder(topic, ops);
            assertNewestPerKeyEqualsSource(topic, table, ValueReader.LAMBDA_EVENT);
        } finally {
            pipeline.dispose();
            sink.disposeLater().block(Duration.ofMinutes(1));
        }
    }

    @Test
    void replayedStretch_appendsDuplicates_andTheNewestPerKeyStillEqualsTheSource() {
        String table = newName("replay");
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        // compacted with tombstones: what a "latest state per key" topic looks like
        createTopic(table, Map.of("cleanup.policy", "compact"));
        KafkaSink sink = KafkaSink.create(sinkOptions()
                .valueFormat(KafkaSinkOptions.ValueFormat.NEW_IMAGE).removeAsTombstone(true).build());
        List<Op> ops = plan(2000, 150, 7);
        List<ChangeRecord> seen = new CopyOnWriteArrayList<>();

        Disposable pipeline = pipeline(table, sink, errorOptions().build(), seen);
        try {
            apply(table, ops).block(Duration.ofMinutes(3));
            consume(table, ops.size());
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= ops.size());

            // replay an older stretch, as a restart from an old checkpoint would
            List<ChangeRecord> stretch = seen.subList(500, 1500);
            Flux.fromIterable(stretch).buffer(100).map(RecordBatch::of)
                    .concatMap(batch -> sink.write(batch))
                    .doOnNext(result -> assertThat(result.isSuccess()).isTrue())
                    .blockLast(Duration.ofMinutes(1));

            List<ConsumerRecord<byte[], byte[]>> topic = consume(table, ops.size() + stretch.size());
            assertThat(topic).hasSize(ops.size() + stretch.size());
            assertEveryChangeInOrder(topic, ops);
            assertNewestPerKeyEqualsSource(topic, table, ValueReader.NEW_IMAGE);
        } finally {
            pipeline.dispose();
            sink.disposeLater().block(Duration.ofMinutes(1));
        }
    }

    @Test
    void kafkaRestartedAndKilledMidRun_losesNothingOnceBack() {
        String table = newName("outage");
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        createTopic(table, Map.of());
        // short timeouts: while the broker is down, sends fail within seconds and ErrorHandling retries them
        KafkaSink sink = KafkaSink.create(sinkOptions()
                .deliveryTimeout(Duration.ofSeconds(8)).requestTimeout(Duration.ofSeconds(3)).maxBlock(Duration.ofSeconds(3))
                .build());
        List<Op> ops = plan(5000, 300, 3);
        List<ChangeRecord> seen = new CopyOnWriteArrayList<>();
        AtomicInteger failedWrites = new AtomicInteger();

        Disposable pipeline = pipeline(table, batch -> sink.write(batch)
                        .doOnNext(r -> failedWrites.addAndGet(r.failures().size()))
                        .doOnError(e -> failedWrites.incrementAndGet()),
                errorOptions().maxAttempts(Integer.MAX_VALUE).build(), seen);
        try {
            Mono<Void> writes = apply(table, ops).subscribeOn(Schedulers.boundedElastic()).cache();
            writes.subscribe();

            await().atMost(Duration.ofMinutes(1)).until(() -> seen.size() >= 1500);
            kafka.restart();
            log.info("restarted Kafka after {} records", seen.size());

            await().atMost(Duration.ofMinutes(1)).until(() -> seen.size() >= 3000);
            int failedBeforeTheKill = failedWrites.get();
            kafka.kill();
            log.info("killed Kafka after {} records", seen.size());
            // stay down until sends failed (after the delivery timeout) and are being retried
            await().atMost(Duration.ofMinutes(2)).until(() -> failedWrites.get() > failedBeforeTheKill);
            kafka.restart();
            log.info("Kafka back after the kill");

            writes.block(Duration.ofMinutes(3));
            List<ConsumerRecord<byte[], byte[]>> topic = consume(table, ops.size());
            assertEveryChangeInOrder(topic, ops);
            assertNewestPerKeyEqualsSource(topic, table, ValueReader.LAMBDA_EVENT);
            log.info("outage: {} failed sends or writes were retried, {} records in the topic", failedWrites.get(), topic.size());
            assertThat(failedWrites.get()).as("the outage made some sends fail").isPositive();
        } finally {
            pipeline.dispose();
            sink.disposeLater().block(Duration.ofMinutes(1));
        }
    }

    @Test
    void recordTheBrokerRejects_isThatRecordsFailure_andReachesTheFailureDestination() throws Exception {
        String table = newName("rejects");
        String failureTable = table + "-failures";
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        createTopic(table, Map.of("max.message.bytes", "4096"));
        KafkaSink sink = KafkaSink.create(sinkOptions().producerProperty("batch.size", 1024).build());
        DynamoDbFailureDestination destination = DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions
                .builder().client(client).tableName(failureTable).build());
        List<ChangeRecord> seen = new CopyOnWriteArrayList<>();
        List<io.github.ddbstreams.sink.BatchResult.RecordFailure> sinkFailures = new CopyOnWriteArrayList<>();

        Disposable pipeline = pipeline(table, batch -> sink.write(batch).doOnNext(r -> sinkFailures.addAll(r.failures())),
                errorOptions().maxAttempts(2).failureDestination(destination).build(), seen);
        try {
            Flux.range(0, 50).concatMap(i -> Mono.fromFuture(() -> client.putItem(r -> r.tableName(table).item(Map.of(
                    "pk", AttributeValue.fromS("item-" + i),
                    "payload", AttributeValue.fromS(i == 20 ? "x".repeat(20_000) : "small-" + i))))))
                    .blockLast(Duration.ofMinutes(1));

            List<ConsumerRecord<byte[], byte[]>> topic = consume(table, 49);
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 50);
            ChangeRecord big = seen.stream().filter(r -> r.keys().get("pk").s().equals("item-20")).findFirst().orElseThrow();
            await().atMost(Duration.ofSeconds(30)).until(() -> !failureItem(failureTable, big).isEmpty());

            Map<String, AttributeValue> failure = failureItem(failureTable, big);
            assertThat(failure.get(DynamoDbFailureDestination.ERROR_TYPE).s()).isEqualTo(RecordTooLargeException.class.getName());
            assertThat(failure.get(DynamoDbFailureDestination.EVENT_ID).s()).isEqualTo(big.eventId());
            assertThat(failure.get(DynamoDbFailureDestination.ATTEMPTS).n()).isEqualTo("2");
            // both attempts of the big record failed on their own, as that record's failure; nothing else failed
            assertThat(sinkFailures).hasSize(2).allSatisfy(f -> {
                assertThat(f.record().eventId()).isEqualTo(big.eventId());
                assertThat(f.error()).isInstanceOf(RecordTooLargeException.class);
            });
            Set<String> keysInTopic = topic.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).collect(Collectors.toSet());
            assertThat(keysInTopic).hasSize(49).doesNotContain("{\"pk\":\"item-20\"}").contains("{\"pk\":\"item-21\"}");
        } finally {
            pipeline.dispose();
            sink.disposeLater().block(Duration.ofMinutes(1));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** One write to the source table: a put of {@code payload}, or a delete. */
    private record Op(String key, int payload, boolean delete) {
        String eventName(boolean existed) {
            return delete ? "REMOVE" : existed ? "MODIFY" : "INSERT";
        }
    }

    /** {@code count} puts and deletes over {@code keys} keys; a delete only of an existing item (else no change). */
    private static List<Op> plan(int count, int keys, long seed) {
        Random random = new Random(seed);
        Set<String> existing = new java.util.HashSet<>();
        List<Op> ops = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String key = "item-" + random.nextInt(keys);
            boolean delete = existing.contains(key) && random.nextInt(100) < 15;
            ops.add(new Op(key, i, delete));
            if (delete) {
                existing.remove(key);
            } else {
                existing.add(key);
            }
        }
        return ops;
    }

    /** Applies the writes, those of one key in plan order, in 8 lanes of keys at a time. */
    private static Mono<Void> apply(String table, List<Op> ops) {
        int lanes = 8;
        return Flux.range(0, lanes)
                .flatMap(lane -> Flux.fromIterable(ops)
                        .filter(op -> Math.floorMod(op.key().hashCode(), lanes) == lane)
                        .concatMap(op -> write(table, op)), lanes)
                .then();
    }

    private static Mono<?> write(String table, Op op) {
        return op.delete()
                ? Mono.fromFuture(() -> client.deleteItem(r -> r.tableName(table).key(Map.of("pk", AttributeValue.fromS(op.key())))))
                : Mono.fromFuture(() -> client.putItem(r -> r.tableName(table).item(Map.of(
                        "pk", AttributeValue.fromS(op.key()),
                        "payload", AttributeValue.fromN(String.valueOf(op.payload())),
                        "text", AttributeValue.fromS("change number " + op.payload())))));
    }

    private static Disposable pipeline(String table, KafkaSink sink, ErrorHandlingOptions errorOptions, List<ChangeRecord> seen) {
        return pipeline(table, sink::write, errorOptions, seen);
    }

    private static Disposable pipeline(String table, java.util.function.Function<RecordBatch, Mono<io.github.ddbstreams.sink.BatchResult>> write,
            ErrorHandlingOptions errorOptions, List<ChangeRecord> seen) {
        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(dynamoDb.streamsAsyncClient()).dynamoDbClient(client).tableName(table)
                .pollInterval(Duration.ofMillis(20)).build());
        return receiver.receive()
                .transform(Batching.batches(BatchOptions.builder().maxRecords(500).maxWait(Duration.ofMillis(100)).build()))
                .transform(ErrorHandling.process(errorOptions, write))
                .doOnNext(result -> seen.addAll(result.batch().records()))
                .subscribe(result -> { }, error -> log.error("pipeline failed", error));
    }

    private static KafkaSinkOptions.Builder sinkOptions() {
        return KafkaSinkOptions.builder().bootstrapServers(kafka.bootstrapServers());
    }

    private static ErrorHandlingOptions.Builder errorOptions() {
        return ErrorHandlingOptions.builder().maxAttempts(20).retryBackoff(Duration.ofMillis(100))
                .maxRetryBackoff(Duration.ofSeconds(2));
    }

    /** Per key, in topic order, after dropping replays (a sequence number not above the highest seen): the writes made. */
    private static void assertEveryChangeInOrder(List<ConsumerRecord<byte[], byte[]>> topic, List<Op> ops) {
        Map<String, List<String>> expected = new LinkedHashMap<>();
        Set<String> existing = new java.util.HashSet<>();
        for (Op op : ops) {
            String key = "{\"pk\":\"" + op.key() + "\"}";
            expected.computeIfAbsent(key, k -> new ArrayList<>()).add(op.eventName(existing.contains(op.key())));
            if (op.delete()) {
                existing.remove(op.key());
            } else {
                existing.add(op.key());
            }
        }
        Map<String, List<String>> actual = new LinkedHashMap<>();
        Map<String, String> highest = new HashMap<>();
        int replays = 0;
        for (ConsumerRecord<byte[], byte[]> record : topic) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            String sequenceNumber = header(record, KafkaSink.HEADER_SEQUENCE_NUMBER);
            String previous = highest.get(key);
            if (previous != null && SequenceNumbers.compare(sequenceNumber, previous) <= 0) {
                replays++;
                continue;
            }
            highest.put(key, sequenceNumber);
            actual.computeIfAbsent(key, k -> new ArrayList<>()).add(header(record, KafkaSink.HEADER_EVENT_NAME));
        }
        log.info("{} records in the topic, {} replays dropped, {} keys", topic.size(), replays, actual.size());
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
    }

    private enum ValueReader {
        LAMBDA_EVENT, NEW_IMAGE
    }

    /** A consumer keeping per key the record with the highest sequence number ends with the source table. */
    private static void assertNewestPerKeyEqualsSource(List<ConsumerRecord<byte[], byte[]>> topic, String table, ValueReader reader) {
        Map<String, ConsumerRecord<byte[], byte[]>> newest = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : topic) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            ConsumerRecord<byte[], byte[]> kept = newest.get(key);
            if (kept == null || SequenceNumbers.compare(header(record, KafkaSink.HEADER_SEQUENCE_NUMBER),
                    header(kept, KafkaSink.HEADER_SEQUENCE_NUMBER)) > 0) {
                newest.put(key, record);
            }
        }
        Map<String, JsonNode> state = new HashMap<>();
        newest.forEach((key, record) -> {
            if (!header(record, KafkaSink.HEADER_EVENT_NAME).equals("REMOVE")) {
                state.put(key, readImage(record, reader));
            } else if (reader == ValueReader.NEW_IMAGE) {
                assertThat(record.value()).as("a REMOVE is a tombstone").isNull();
            }
        });
        Map<String, JsonNode> source = new HashMap<>();
        List<Map<String, AttributeValue>> items = new CopyOnWriteArrayList<>();
        client.scanPaginator(r -> r.tableName(table).consistentRead(true)).items().subscribe(items::add).join();
        for (Map<String, AttributeValue> item : items) {
            source.put(new String(KafkaRecordMapper.key(Map.of("pk", item.get("pk"))), StandardCharsets.UTF_8),
                    readTree(KafkaRecordMapper.plainJson(item)));
        }
        assertThat(state).hasSameSizeAs(source);
        assertThat(state).containsExactlyInAnyOrderEntriesOf(source);
    }

    private static JsonNode readImage(ConsumerRecord<byte[], byte[]> record, ValueReader reader) {
        if (reader == ValueReader.NEW_IMAGE) {
            return readTree(record.value());
        }
        // Lambda event shape: dynamodb.NewImage in DynamoDB JSON; convert to plain JSON for the comparison
        JsonNode image = readTree(record.value()).path("dynamodb").path("NewImage");
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        image.fields().forEachRemaining(e -> {
            JsonNode typed = e.getValue();
            if (typed.has("S")) {
                item.put(e.getKey(), AttributeValue.fromS(typed.get("S").asText()));
            } else if (typed.has("N")) {
                item.put(e.getKey(), AttributeValue.fromN(typed.get("N").asText()));
            } else {
                throw new AssertionError("unexpected attribute " + e.getKey());
            }
        });
        return readTree(KafkaRecordMapper.plainJson(item));
    }

    private static JsonNode readTree(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    /** The failure destination's item of the record (found by event id in a full scan), or an empty map. */
    private static Map<String, AttributeValue> failureItem(String failureTable, ChangeRecord record) {
        List<Map<String, AttributeValue>> items = new CopyOnWriteArrayList<>();
        try {
            client.scanPaginator(r -> r.tableName(failureTable).consistentRead(true)).items().subscribe(items::add).join();
        } catch (RuntimeException e) {
            return Map.of(); // the destination creates its table on first use
        }
        return items.stream()
                .filter(item -> item.containsKey(DynamoDbFailureDestination.EVENT_ID)
                        && item.get(DynamoDbFailureDestination.EVENT_ID).s().equals(record.eventId()))
                .findFirst().orElse(Map.of());
    }

    private static String newName(String prefix) {
        return prefix + "-" + names.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void createTopic(String topic, Map<String, String> configs) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1).configs(configs)))
                    .all().get(30, TimeUnit.SECONDS);
            // a produce request reaching a partition before its leader is open can, with idempotence, leave the
            // producer retrying OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout (KAFKA-15591): wait for leaders
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(topic).partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        } catch (Exception e) {
            throw new AssertionError("cannot create topic " + topic, e);
        }
    }

    /**
     * Reads every partition from the beginning until at least {@code atLeast} records came and nothing more arrives
     * for a second; records of one partition keep their order.
     */
    private static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int atLeast) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            long quietSince = System.nanoTime();
            while (System.nanoTime() < deadline) {
                int before = records.size();
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                if (records.size() != before) {
                    quietSince = System.nanoTime();
                } else if (records.size() >= atLeast && System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(1)) {
                    break;
                }
            }
        }
        assertThat(records.size()).as("records in " + topic).isGreaterThanOrEqualTo(atLeast);
        return records;
    }
}
