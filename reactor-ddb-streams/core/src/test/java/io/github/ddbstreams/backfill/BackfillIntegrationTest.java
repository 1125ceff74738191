package io.github.ddbstreams.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.FaultInjector;
import io.github.ddbstreams.testkit.FaultKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/** {@link TableBackfill} against a real DynamoDB Local server: scan, resume, hand-off under concurrent writes. */
class BackfillIntegrationTest {

    private static EmbeddedDynamoDb dynamoDb;
    private static DynamoDbAsyncClient client;
    private static final AtomicInteger tables = new AtomicInteger();

    @BeforeAll
    static void startDynamoDb() {
        dynamoDb = EmbeddedDynamoDb.start();
        client = dynamoDb.dynamoDbAsyncClient();
    }

    @AfterAll
    static void stopDynamoDb() {
        dynamoDb.close();
    }

    private static String newTable(TestInfo info) {
        String table = name(info);
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        return table;
    }

    private static String name(TestInfo info) {
        return info.getTestMethod().orElseThrow().getName().replaceAll("[^a-zA-Z0-9]", "") + tables.incrementAndGet();
    }

    private static String key(int i) {
        return String.format("k%04d", i);
    }

    private static Map<String, AttributeValue> item(String key, int version) {
        return Map.of("pk", AttributeValue.fromS(key),
                "version", AttributeValue.fromN(Integer.toString(version)),
                "payload", AttributeValue.fromS("v" + version + "-" + "x".repeat(50)));
    }

    private static void preload(String table, int count) {
        List<WriteRequest> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item(key(i), 0)).build()).build());
            if (batch.size() == 25 || i == count - 1) {
                List<WriteRequest> requests = List.copyOf(batch);
                dynamoDb.syncClient().batchWriteItem(b -> b.requestItems(Map.of(table, requests)));
                batch.clear();
            }
        }
    }

    private static Map<String, Map<String, AttributeValue>> sourceTable(String table) {
        Map<String, Map<String, AttributeValue>> items = new HashMap<>();
        dynamoDb.syncClient().scanPaginator(b -> b.tableName(table).consistentRead(true)).items()
                .forEach(item -> items.put(item.get("pk").s(), item));
        return items;
    }

    private static TableBackfill backfill(String table, UnaryOperator<BackfillOptions.Builder> customizer) {
        return TableBackfill.create(customizer.apply(BackfillOptions.builder()
                .dynamoDbClient(client)
                .tableName(table)
                .totalSegments(4)
                .pageSize(50)).build());
    }

    private static ReceiverOptions receiverOptions(String table) {
        return ReceiverOptions.builder()
                .streamsClient(dynamoDb.streamsAsyncClient())
                .dynamoDbClient(client)
                .tableName(table)
                .pollInterval(Duration.ofMillis(20))
                .creationTimePrecision(Duration.ofMinutes(1)) // DynamoDB Local truncates creation times to minutes
                .checkpointStore(CheckpointStore.inMemory())
                .build();
    }

    /** A random put (of a new version), update or delete of one of {@code keys} keys. */
    private static Mono<Void> randomWrite(String table, Random random, int keys, AtomicInteger versions) {
        String key = key(random.nextInt(keys));
        int version = versions.incrementAndGet();
        int op = random.nextInt(10);
        if (op < 4) {
            return Mono.fromFuture(() -> client.putItem(b -> b.tableName(table).item(item(key, version)))).then();
        }
        if (op < 7) {
            return Mono.fromFuture(() -> client.updateItem(b -> b.tableName(table)
                    .key(Map.of("pk", AttributeValue.fromS(key)))
                    .updateExpression("SET version = :v, payload = :p")
                    .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Integer.toString(version)),
                            ":p", AttributeValue.fromS("updated-" + version))))).then();
        }
        return Mono.fromFuture(() -> client.deleteItem(b -> b.tableName(table)
                .key(Map.of("pk", AttributeValue.fromS(key))))).then();
    }

    /**
     * A replica applying changes without regression: per key the change with the highest sequence number
     * wins (ties: the later one), a REMOVE leaves a tombstone with its sequence number.
     */
    private static final class Replica {
        private record Entry(String sequenceNumber, Map<String, AttributeValue> image) {
        }

        private final Map<String, Entry> entries = new ConcurrentHashMap<>();
        final AtomicLong backfillRecords = new AtomicLong();
        final AtomicLong streamRecords = new AtomicLong();
        final AtomicLong regressionsRejected = new AtomicLong();

        void apply(ChangeRecord record) {
            if (record.shardId().startsWith(TableBackfill.SHARD_ID_PREFIX)) {
                backfillRecords.incrementAndGet();
            } else {
                streamRecords.incrementAndGet();
            }
            String key = record.keys().get("pk").s();
            Entry next = new Entry(record.sequenceNumber(),
                    record.eventName() == EventName.REMOVE ? null : record.newImage());
            entries.compute(key, (k, existing) -> {
                if (existing == null || SequenceNumbers.compare(next.sequenceNumber, existing.sequenceNumber) >= 0) {
                    return next;
                }
                regressionsRejected.incrementAndGet();
                return existing;
            });
        }

        Map<String, Map<String, AttributeValue>> liveItems() {
            Map<String, Map<String, AttributeValue>> live = new HashMap<>();
            entries.forEach((key, entry) -> {
                if (entry.image != null) {
                    live.put(key, entry.image);
                }
            });
            return live;
        }
    }

    @Test
    void backfillThenStream_whileWritesContinue_replicaEqualsSourceItemByItem(TestInfo info) {
        String table = newTable(info);
        preload(table, 3000);
        Random random = new Random(20260101L);
        AtomicInteger versions = new AtomicInteger();
        AtomicInteger writesDuringScan = new AtomicInteger();
        Replica replica = new Replica();
        TableBackfill backfill = backfill(table, b -> b);
        AtomicReference<Throwable> failure = new AtomicReference<>();

        // Every 10th backfill record, the pipeline itself makes a random write before going on: the writes
        // land in the middle of the scan (other segments' pages still unread), deterministically.
        Disposable pipeline = backfill.backfillThenStream(receiverOptions(table))
                .concatMap(record -> {
                    boolean backfillRecord = record.shardId().startsWith(TableBackfill.SHARD_ID_PREFIX);
                    if (backfillRecord && replica.backfillRecords.get() % 10 == 9) {
                        writesDuringScan.incrementAndGet();
                        return randomWrite(table, random, 4000, versions).thenReturn(record);
                    }
                    return Mono.just(record);
                }, 1)
                .subscribe(record -> {
                    replica.apply(record);
                    record.checkpoint().acknowledge();
                }, failure::set);
        try {
            await().atMost(Duration.ofSeconds(60)).failFast("the pipeline failed", () -> assertThat(failure.get()).isNull())
                    .until(() -> replica.streamRecords.get() > 0);
            // writes go on after the hand-off too
            Flux.range(0, 300).concatMap(i -> randomWrite(table, random, 4000, versions)).blockLast();

            Map<String, Map<String, AttributeValue>> source = sourceTable(table);
            await().atMost(Duration.ofSeconds(60)).failFast("the pipeline failed", () -> assertThat(failure.get()).isNull())
                    .untilAsserted(() -> assertThat(replica.liveItems()).isEqualTo(source));
            Map<String, Map<String, AttributeValue>> replicated = replica.liveItems();
            assertThat(replicated.keySet()).isEqualTo(source.keySet());
            source.forEach((key, item) -> assertThat(replicated.get(key)).as("item %s", key).isEqualTo(item));
            assertThat(writesDuringScan.get()).isGreaterThanOrEqualTo(250);
            assertThat(replica.backfillRecords.get()).isGreaterThanOrEqualTo(2900);
        } finally {
            pipeline.dispose();
        }
    }

    @Test
    void scan_whenStoppedHalfWayAndResumed_emitsEveryItemAtLeastOnce(TestInfo info) {
        String table = newTable(info);
        preload(table, 3000);
        BackfillPositionStore store = DynamoDbBackfillPositionStore.create(DynamoDbBackfillPositionStoreOptions.builder()
                .client(client).tableName(name(info) + "-positions").build());
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        Map<String, ChangeRecord> lastPerSegment = new ConcurrentHashMap<>();

        backfill(table, b -> b.positionStore(store)).scan()
                .take(1500)
                .doOnNext(record -> {
                    acknowledged.add(record.keys().get("pk").s());
                    record.checkpoint().acknowledge();
                    lastPerSegment.put(record.shardId(), record);
                })
                .blockLast(Duration.ofSeconds(60));
        Flux.fromIterable(lastPerSegment.values()).flatMap(r -> r.checkpoint().commit()).blockLast(Duration.ofSeconds(30));
        List<BackfillPosition> saved = store.load(table).block();

        List<String> second = new ArrayList<>();
        backfill(table, b -> b.positionStore(store)).scan()
                .doOnNext(record -> {
                    second.add(record.keys().get("pk").s());
                    record.checkpoint().acknowledge();
                })
                .blockLast(Duration.ofSeconds(60));

        assertThat(saved).hasSize(4).anyMatch(p -> !p.lastEvaluatedKey().isEmpty() || p.isCompleted())
                .anyMatch(p -> !p.isCompleted());
        assertThat(acknowledged).hasSize(1500);
        assertThat(second).hasSizeLessThan(3000 - 1000).doesNotHaveDuplicates();
        Set<String> all = new HashSet<>(acknowledged);
        all.addAll(second);
        assertThat(all).hasSize(3000);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(store.load(table).block()).hasSize(4).allMatch(BackfillPosition::isCompleted));
        assertThat(backfill(table, b -> b.positionStore(store)).scan().count().block()).isZero();
    }

    @Test
    void scan_emitsSyntheticInsertsWithKeysFromTheKeySchemaAndLowestSequenceNumber(TestInfo info) {
        String table = name(info);
        dynamoDb.createTable(CreateTableRequest.builder().tableName(table)
                .attributeDefinitions(
                        AttributeDefinition.builder().attributeName("tenant").attributeType(ScalarAttributeType.S).build(),
                        AttributeDefinition.builder().attributeName("id").attributeType(ScalarAttributeType.B).build())
                .keySchema(KeySchemaElement.builder().attributeName("tenant").keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName("id").keyType(KeyType.RANGE).build())
                .billingMode(BillingMode.PAY_PER_REQUEST).build());
        Map<String, AttributeValue> item = Map.of(
                "tenant", AttributeValue.fromS("acme"),
                "id", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, 1, 2, (byte) 0xff})),
                "tags", AttributeValue.fromSs(List.of("a", "b")),
                "n", AttributeValue.fromN("12.5"));
        dynamoDb.syncClient().putItem(b -> b.tableName(table).item(item));

        List<ChangeRecord> records = backfill(table, b -> b.totalSegments(3)).scan().collectList().block();

        assertThat(records).hasSize(1);
        ChangeRecord record = records.get(0);
        assertThat(record.eventName()).isEqualTo(EventName.INSERT);
        assertThat(record.newImage()).isEqualTo(item);
        assertThat(record.oldImage()).isEmpty();
        assertThat(new ArrayList<>(record.keys().keySet())).containsExactly("tenant", "id");
        assertThat(record.keys()).containsEntry("id", item.get("id"));
        assertThat(record.sequenceNumber()).isEqualTo(TableBackfill.SEQUENCE_NUMBER);
        assertThat(SequenceNumbers.compare(record.sequenceNumber(), "000000000000000000001")).isNegative();
        assertThat(record.shardId()).matches("backfill-segment-[0-2]");
        assertThat(record.eventId()).startsWith("backfill-");
        assertThat(record.streamArn()).isEmpty(); // the table has no stream
        assertThat(record.sizeBytes()).isPositive();
        assertThat(record.toLambdaEventJson()).contains("\"eventName\":\"INSERT\"");
    }

    @Test
    void scan_readsOnePagePerSegmentAndOnlyOnDemand(TestInfo info) {
        String table = newTable(info);
        preload(table, 400);
        FaultInjector faults = FaultInjector.create(1L);
        try (DynamoDbAsyncClient counted = dynamoDb.newDynamoDbAsyncClient(faults)) {
            TableBackfill backfill = backfill(table, b -> b.dynamoDbClient(counted).totalSegments(2).pageSize(10));
            long describeCalls = faults.calls("DescribeTable");

            StepVerifier.create(backfill.scan(), 0)
                    .thenRequest(1)
                    .expectNextCount(1)
                    // one page per segment, nothing more while the pages are not emitted
                    .then(() -> await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                            .until(() -> faults.calls("Scan") == 2))
                    .thenRequest(9)
                    .expectNextCount(9)
                    // 10 emitted (+ 1 prefetched per segment by the merge): at most one segment finished its page
                    .then(() -> await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                            .until(() -> faults.calls("Scan") <= 3))
                    .thenCancel()
                    .verify(Duration.ofSeconds(30));

            assertThat(faults.calls("DescribeTable")).isEqualTo(describeCalls + 1);
            assertThat(faults.calls("Scan")).isBetween(2L, 3L);
        }
    }

    @Test
    void scan_whenScanIsThrottledFailsOrDisconnects_retriesAndEmitsEveryItemOnce(TestInfo info) {
        String table = newTable(info);
        preload(table, 500);
        FaultInjector faults = FaultInjector.create(2L);
        try (DynamoDbAsyncClient faulty = dynamoDb.newDynamoDbAsyncClient(faults)) {
            faults.inject(FaultKind.THROTTLE).on("Scan").times(3);
            faults.inject(FaultKind.SERVER_ERROR).on("Scan").times(4);
            faults.inject(FaultKind.DROPPED_CONNECTION).on("Scan").times(4);
            faults.inject(FaultKind.LATENCY).latency(Duration.ofMillis(50)).on("Scan").times(3);

            List<String> keys = backfill(table, b -> b.dynamoDbClient(faulty).retryBackoff(Duration.ofMillis(10)))
                    .scan().map(r -> r.keys().get("pk").s()).collectList().block(Duration.ofSeconds(60));

            assertThat(keys).hasSize(500).doesNotHaveDuplicates();
            assertThat(faults.injected()).containsEntry(FaultKind.THROTTLE, 3L).containsEntry(FaultKind.SERVER_ERROR, 4L)
                    .containsEntry(FaultKind.DROPPED_CONNECTION, 4L).containsEntry(FaultKind.LATENCY, 3L);
        }
    }

    @Test
    void backfillThenStream_whenStartedLongerAgoThanStreamRetention_failsWithHandOffExpired(TestInfo info) {
        String table = newTable(info);
        preload(table, 10);
        String streamArn = dynamoDb.syncClient().describeTable(b -> b.tableName(table)).table().latestStreamArn();
        BackfillPositionStore store = BackfillPositionStore.inMemory();
        store.save(table, List.of(BackfillPosition.start(table, 0, 1, Instant.now().minus(Duration.ofHours(25)), streamArn)))
                .block();

        StepVerifier.create(backfill(table, b -> b.positionStore(store).totalSegments(1))
                        .backfillThenStream(receiverOptions(table)))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(BackfillException.class).hasMessageContaining("streamRetention");
                    assertThat(((BackfillException) e).reason()).isEqualTo(BackfillException.Reason.HAND_OFF_EXPIRED);
                })
                .verify(Duration.ofSeconds(30));
    }

    /**
     * Regression (issue 13): with leases, every start more than streamRetention after the backfill failed with
     * HAND_OFF_EXPIRED, although the lease table held the stream's checkpoints (the hand-off happened earlier).
     */
    @Test
    void backfillThenStream_withLeasesHoldingCheckpoints_resumesLongAfterTheBackfill(TestInfo info) {
        String table = newTable(info);
        preload(table, 10);
        String streamArn = dynamoDb.syncClient().describeTable(b -> b.tableName(table)).table().latestStreamArn();
        BackfillPositionStore store = BackfillPositionStore.inMemory();
        store.save(table, List.of(BackfillPosition.start(table, 0, 1, Instant.now().minus(Duration.ofHours(25)), streamArn)))
                .block();
        String leaseTable = table + "-leases";
        dynamoDb.syncClient().createTable(b -> b.tableName(leaseTable)
                .attributeDefinitions(d -> d.attributeName("streamArn").attributeType(ScalarAttributeType.S),
                        d -> d.attributeName("shardId").attributeType(ScalarAttributeType.S))
                .keySchema(k -> k.attributeName("streamArn").keyType(KeyType.HASH),
                        k -> k.attributeName("shardId").keyType(KeyType.RANGE))
                .billingMode(BillingMode.PAY_PER_REQUEST));
        dynamoDb.syncClient().putItem(b -> b.tableName(leaseTable).item(Map.of(
                "streamArn", AttributeValue.fromS(streamArn), "shardId", AttributeValue.fromS("shardId-gone"),
                "leaseCounter", AttributeValue.fromN("3"), "checkpoint", AttributeValue.fromS("100"))));
        ReceiverOptions withLeases = receiverOptions(table).toBuilder().checkpointStore(null)
                .leases(LeaseOptions.builder().client(client).tableName(leaseTable).workerId("w1").build())
                .build();

        StepVerifier.create(backfill(table, b -> b.positionStore(store).totalSegments(1)).backfillThenStream(withLeases))
                .expectNextCount(10)
                .thenCancel()
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void backfillThenStream_whenStreamChangedSinceStart_failsWithStreamChanged(TestInfo info) {
        String table = newTable(info);
        BackfillPositionStore store = BackfillPositionStore.inMemory();
        store.save(table, List.of(BackfillPosition.start(table, 0, 1, Instant.now(),
                "arn:aws:dynamodb:ddblocal:000000000000:table/" + table + "/stream/2000-01-01T00:00:00.000"))).block();

        StepVerifier.create(backfill(table, b -> b.positionStore(store).totalSegments(1))
                        .backfillThenStream(receiverOptions(table)))
                .expectErrorSatisfies(e -> assertThat(((BackfillException) e).reason())
                        .isEqualTo(BackfillException.Reason.STREAM_CHANGED))
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void scan_whenSavedPositionsHaveOtherSegments_failsWithPositionsMismatch(TestInfo info) {
        String table = newTable(info);
        BackfillPositionStore store = BackfillPositionStore.inMemory();
        store.save(table, List.of(BackfillPosition.start(table, 0, 2, Instant.now(), null))).block();

        StepVerifier.create(backfill(table, b -> b.positionStore(store)).scan())
                .expectErrorSatisfies(e -> {
                    assertThat(((BackfillException) e).reason()).isEqualTo(BackfillException.Reason.POSITIONS_MISMATCH);
                    assertThat(e).hasMessageContaining("totalSegments=2").hasMessageContaining("totalSegments=4");
                })
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void positionStore_roundTripsBinaryAndCompositeKeys(TestInfo info) {
        BackfillPositionStore store = DynamoDbBackfillPositionStore.create(DynamoDbBackfillPositionStoreOptions.builder()
                .client(client).tableName(name(info)).build());
        Map<String, AttributeValue> key = new LinkedHashMap<>();
        key.put("tenant", AttributeValue.fromS("ünïcødé 😀"));
        key.put("id", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, -1, 7})));
        Instant startedAt = Instant.parse("2026-01-02T03:04:05.678Z");
        BackfillPosition a = BackfillPosition.start("Orders", 0, 2, startedAt, "arn:stream").after(key);
        BackfillPosition b = BackfillPosition.start("Orders", 1, 2, startedAt, null).completed();

        store.save("orders-backfill", List.of(a, b)).block();

        assertThat(store.load("orders-backfill").block()).containsExactlyInAnyOrder(a, b);
        assertThat(store.load("other").block()).isEmpty();
    }
}
