package io.github.ddbstreams.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStore;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStoreOptions;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.FaultInjector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/** The receiver against a real DynamoDB Local server on 127.0.0.1. */
class DynamoDbStreamsReceiverIntegrationTest {

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
        String table = info.getTestMethod().orElseThrow().getName().replaceAll("[^a-zA-Z0-9]", "") + tables.incrementAndGet();
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        return table;
    }

    private static DynamoDbStreamsReceiver receiver(String table, UnaryOperator<ReceiverOptions.Builder> customizer) {
        return DynamoDbStreamsReceiver.create(customizer.apply(ReceiverOptions.builder()
                        .streamsClient(dynamoDb.streamsAsyncClient())
                        .dynamoDbClient(client)
                        .tableName(table)
                        .pollInterval(Duration.ofMillis(20)))
                .build());
    }

    private static Mono<Void> put(String table, String key, int version) {
        return Mono.fromFuture(() -> client.putItem(b -> b.tableName(table).item(Map.of(
                "pk", AttributeValue.fromS(key),
                "version", AttributeValue.fromN(Integer.toString(version)),
                "payload", AttributeValue.fromS("v" + version + "-" + "x".repeat(100)))))).then();
    }

    private static Mono<Void> delete(String table, String key) {
        return Mono.fromFuture(() -> client.deleteItem(b -> b.tableName(table)
                .key(Map.of("pk", AttributeValue.fromS(key))))).then();
    }

    /** A change as written or received: type and version (-1 for REMOVE). */
    private record Change(EventName type, int version) {
        static Change of(ChangeRecord record) {
            Map<String, AttributeValue> image = record.eventName() == EventName.REMOVE ? record.oldImage() : record.newImage();
            int version = record.eventName() == EventName.REMOVE ? -1 : Integer.parseInt(image.get("version").n());
            return new Change(record.eventName(), version);
        }
    }

    /** Writes {@code perKey} random puts/updates/deletes to each key, keys concurrently, each key in order. */
    private static Map<String, List<Change>> writeWorkload(String table, int keys, int perKey, long seed) {
        Map<String, List<Change>> written = new ConcurrentHashMap<>();
        Flux.range(0, keys)
                .flatMap(k -> {
                    String key = "key-" + k;
                    Random random = new Random(seed + k);
                    List<Change> plan = new ArrayList<>();
                    boolean exists = false;
                    for (int i = 0; i < perKey; i++) {
                        if (!exists) {
                            plan.add(new Change(EventName.INSERT, i));
                            exists = true;
                        } else if (random.nextInt(4) > 0) {
                            plan.add(new Change(EventName.MODIFY, i));
                        } else {
                            plan.add(new Change(EventName.REMOVE, -1));
                            exists = false;
                        }
                    }
                    written.put(key, plan);
                    return Flux.fromIterable(plan)
                            .concatMap(c -> c.type() == EventName.REMOVE ? delete(table, key) : put(table, key, c.version()));
                }, 16)
                .blockLast(Duration.ofMinutes(3));
        return written;
    }

    private static Map<String, List<Change>> byKey(List<ChangeRecord> records) {
        Map<String, List<Change>> received = new HashMap<>();
        for (ChangeRecord record : records) {
            received.computeIfAbsent(record.keys().get("pk").s(), k -> new ArrayList<>()).add(Change.of(record));
        }
        return received;
    }

    @Test
    void receive_tenThousandMixedChangesOver500Keys_allArriveInWriteOrderPerKey(TestInfo info) {
        String table = newTable(info);
        List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        Disposable reading = receiver(table, b -> b).receive()
                .doOnNext(r -> r.checkpoint().acknowledge())
                .subscribe(received::add);
        try {
            Map<String, List<Change>> written = writeWorkload(table, 500, 20, 1);
            assertThat(written.values().stream().mapToInt(List::size).sum()).isEqualTo(10_000);

            await().atMost(Duration.ofMinutes(2)).until(() -> received.size() >= 10_000);
            assertThat(received).hasSize(10_000);
            assertThat(byKey(received)).isEqualTo(written);
            List<String> sequences = received.stream().map(ChangeRecord::sequenceNumber).collect(Collectors.toList());
            assertThat(sequences).isSortedAccordingTo(SequenceNumbers.COMPARATOR).doesNotHaveDuplicates();
        } finally {
            reading.dispose();
        }
    }

    @Test
    void receive_stoppedHalfWayAndRestartedWithTheDynamoDbStore_missesNothing(TestInfo info) {
        String table = newTable(info);
        CheckpointStore store = DynamoDbCheckpointStore.create(DynamoDbCheckpointStoreOptions.builder()
                .client(client).tableName(table + "-checkpoints").build());
        Map<String, List<Change>> written = writeWorkload(table, 100, 20, 2);

        List<ChangeRecord> first = receiver(table, b -> b.checkpointStore(store)).receive()
                .doOnNext(r -> r.checkpoint().acknowledge())
                .take(1_000)
                .collectList()
                .block(Duration.ofMinutes(1));
        assertThat(first).hasSize(1_000);
        String lastAcknowledged = first.get(999).sequenceNumber();
        String streamArn = first.get(0).streamArn();
        // cancelling commits what was acknowledged
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(store.load(streamArn).block())
                .extractingByKey(first.get(0).shardId())
                .isEqualTo(ShardCheckpoint.at(first.get(0).shardId(), lastAcknowledged)));

        List<ChangeRecord> second = receiver(table, b -> b.checkpointStore(store)).receive()
                .doOnNext(r -> r.checkpoint().acknowledge())
                .take(1_000)
                .collectList()
                .block(Duration.ofMinutes(1));
        assertThat(second).hasSize(1_000);
        assertThat(SequenceNumbers.compare(second.get(0).sequenceNumber(), lastAcknowledged)).isPositive();

        List<ChangeRecord> all = new ArrayList<>(first);
        all.addAll(second);
        assertThat(byKey(all)).isEqualTo(written);
    }

    @Test
    void meters_afterAKnownWorkload_countExactlyAndShowTheReaderCaughtUp(TestInfo info) {
        String table = newTable(info);
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        Disposable reading = receiver(table, b -> b.meterRegistry(registry).commitInterval(Duration.ofMillis(200)))
                .receive()
                .doOnNext(r -> r.checkpoint().acknowledge())
                .subscribe(received::add);
        try {
            Flux.range(0, 500).flatMap(i -> put(table, "k" + i, i), 8).blockLast();
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 500);
            long bytes = received.stream().mapToLong(ChangeRecord::sizeBytes).sum();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(registry.get("ddb.streams.records.received").tag("table", table).counter().count()).isEqualTo(500);
                assertThat(registry.get("ddb.streams.bytes.received").tag("table", table).counter().count()).isEqualTo(bytes);
                assertThat(registry.get("ddb.streams.checkpoints.committed").tag("table", table).counter().count()).isPositive();
                assertThat(registry.get("ddb.streams.shards.active").tag("table", table).gauge().value()).isEqualTo(1);
                // caught up: the last poll came back empty
                assertThat(registry.get("ddb.streams.iterator.age").tag("table", table).timeGauge()
                        .value(java.util.concurrent.TimeUnit.SECONDS)).isZero();
                assertThat(registry.get("ddb.streams.behind.latest").tag("table", table).timeGauge()
                        .value(java.util.concurrent.TimeUnit.SECONDS)).isLessThan(1.0);
            });
            assertThat(registry.get("ddb.streams.getrecords.latency").tag("table", table).timer().count()).isPositive();
            assertThat(received).hasSize(500);
        } finally {
            reading.dispose();
        }
    }

    @Test
    void startPosition_trimHorizon_readsEverythingStillInTheStream(TestInfo info) {
        String table = newTable(info);
        Flux.range(0, 25).concatMap(i -> put(table, "k" + i, 1)).blockLast();

        List<ChangeRecord> records = receiver(table, b -> b.startPosition(StartPosition.trimHorizon()))
                .receive().take(25).collectList().block(Duration.ofSeconds(30));
        assertThat(records).extracting(r -> r.keys().get("pk").s())
                .containsExactlyElementsOf(IntStream.range(0, 25).mapToObj(i -> "k" + i).collect(Collectors.toList()));
    }

    @Test
    void startPosition_latest_deliversOnlyChangesMadeAfterTheStart(TestInfo info) {
        String table = newTable(info);
        Flux.range(0, 20).concatMap(i -> put(table, "before-" + i, 1)).blockLast();

        List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        Disposable reading = receiver(table, b -> b.startPosition(StartPosition.latest())).receive()
                .subscribe(received::add);
        try {
            AtomicInteger after = new AtomicInteger();
            // The receiver's LATEST iterator is taken asynchronously: keep writing until changes arrive.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
                put(table, "after-" + after.getAndIncrement(), 1).block();
                return received.size() >= 3;
            });
            assertThat(received).allSatisfy(r -> assertThat(r.keys().get("pk").s()).startsWith("after-"));
        } finally {
            reading.dispose();
        }
    }

    @Test
    void receive_acrossAShardRollover_readsTheChildAfterTheParent(TestInfo info) {
        String table = newTable(info);
        Flux.range(0, 30).concatMap(i -> put(table, "k" + (i % 5), i)).blockLast();
        dynamoDb.triggerShardRollover();
        Flux.range(30, 30).concatMap(i -> put(table, "k" + (i % 5), i)).blockLast();

        List<ChangeRecord> records = receiver(table, b -> b.shardDiscoveryInterval(Duration.ofSeconds(1)))
                .receive().doOnNext(r -> r.checkpoint().acknowledge()) // the child starts once the parent is acknowledged
                .take(60).collectList().block(Duration.ofSeconds(60));
        assertThat(records).extracting(r -> Integer.parseInt(r.newImage().get("version").n()))
                .containsExactlyElementsOf(IntStream.range(0, 60).boxed().collect(Collectors.toList()));
        assertThat(records.stream().map(ChangeRecord::shardId).distinct().count()).isEqualTo(2);
    }

    @Test
    void receivePerShard_givesTheShardsOfARollover(TestInfo info) {
        String table = newTable(info);
        Flux.range(0, 5).concatMap(i -> put(table, "k" + i, i)).blockLast();
        dynamoDb.triggerShardRollover();
        Flux.range(5, 5).concatMap(i -> put(table, "k" + i, i)).blockLast();

        Map<String, List<Integer>> perShard = receiver(table, b -> b.shardDiscoveryInterval(Duration.ofSeconds(1)))
                .receivePerShard()
                .flatMap(shard -> shard.doOnNext(r -> r.checkpoint().acknowledge()).map(r -> Map.entry(shard.key(), Integer.parseInt(r.newImage().get("version").n()))))
                .take(10)
                .collect(Collectors.groupingBy(Map.Entry::getKey, Collectors.mapping(Map.Entry::getValue, Collectors.toList())))
                .block(Duration.ofSeconds(60));
        assertThat(perShard).hasSize(2);
        assertThat(perShard.values()).containsExactlyInAnyOrder(List.of(0, 1, 2, 3, 4), List.of(5, 6, 7, 8, 9));
    }

    @Test
    void receive_whenTheTableDoesNotExist_failsNamingIt() {
        Throwable error = receiver("NoSuchTable", b -> b).receive().then().materialize().block(Duration.ofSeconds(30)).getThrowable();
        assertThat(error).isInstanceOf(StreamUnavailableException.class).hasMessageContaining("NoSuchTable");
        assertThat(((StreamUnavailableException) error).reason()).isEqualTo(StreamUnavailableException.Reason.TABLE_NOT_FOUND);
    }

    @Test
    void receive_whenTheTableHasNoStream_failsSayingSo(TestInfo info) {
        String table = "nostream" + tables.incrementAndGet();
        dynamoDb.createTable(software.amazon.awssdk.services.dynamodb.model.CreateTableRequest.builder()
                .tableName(table)
                .attributeDefinitions(a -> a.attributeName("pk").attributeType("S"))
                .keySchema(k -> k.attributeName("pk").keyType("HASH"))
                .billingMode("PAY_PER_REQUEST")
                .build());

        Throwable error = receiver(table, b -> b).receive().then().materialize().block(Duration.ofSeconds(30)).getThrowable();
        assertThat(error).isInstanceOf(StreamUnavailableException.class).hasMessageContaining(table)
                .hasMessageContaining("no stream");
        assertThat(((StreamUnavailableException) error).reason()).isEqualTo(StreamUnavailableException.Reason.STREAM_NOT_ENABLED);
    }

    @Test
    void receive_whenTheStreamIsDisabledMidRun_deliversEverythingThenFails(TestInfo info) {
        String table = newTable(info);
        Flux.range(0, 10).concatMap(i -> put(table, "k" + i, i)).blockLast();
        List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        AtomicInteger disabled = new AtomicInteger();

        Throwable error = receiver(table, b -> b.shardDiscoveryInterval(Duration.ofSeconds(1))).receive()
                .doOnNext(received::add)
                .doOnNext(r -> {
                    if (received.size() == 10 && disabled.getAndIncrement() == 0) {
                        client.updateTable(u -> u.tableName(table).streamSpecification(s -> s.streamEnabled(false))).join();
                    }
                })
                .then().materialize().block(Duration.ofSeconds(60)).getThrowable();

        assertThat(received).hasSize(10);
        assertThat(error).isInstanceOf(StreamUnavailableException.class).hasMessageContaining(table)
                .hasMessageContaining("disabled");
        assertThat(((StreamUnavailableException) error).reason()).isEqualTo(StreamUnavailableException.Reason.STREAM_DISABLED);
    }

    @Test
    void lowLatency_afterRecords_pollsSoonThenBacksOffToPollInterval_onRealServer(TestInfo info) {
        String table = newTable(info);
        FaultInjector counter = FaultInjector.create(); // no rules: only counts the calls
        List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        AtomicLong callsAtLastRecord = new AtomicLong();
        try (DynamoDbStreamsAsyncClient streams = dynamoDb.newStreamsAsyncClient(counter)) {
            Disposable reading = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                            .streamsClient(streams)
                            .dynamoDbClient(client)
                            .tableName(table)
                            .pacing(Pacing.LOW_LATENCY)
                            .pollInterval(Duration.ofMillis(800))
                            .minPollInterval(Duration.ofMillis(25))
                            .build())
                    .receive()
                    .subscribe(record -> {
                        callsAtLastRecord.set(counter.calls("GetRecords"));
                        received.add(record);
                        record.checkpoint().acknowledge();
                    });
            try {
                put(table, "k1", 1).block();
                await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 1);
                long afterRecord = callsAtLastRecord.get();
                // the empty call at once, then pauses of 25, 50, 100 ms: 4 calls long before one 800 ms pause
                // ends (a fixed pause would make 1 call in that time)
                await().atMost(Duration.ofMillis(700)).pollInterval(Duration.ofMillis(5))
                        .until(() -> counter.calls("GetRecords") >= afterRecord + 4);

                // nothing else arrives while the pauses grow to 800 ms (within ~1.6 s on a quiet machine; calls
                // that take 300 ms on a loaded one stretch it past 3 s, so wait 4 s); then, idle, at most one call
                // per 800 ms
                await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5)).until(() -> received.size() == 1);
                long idleStart = counter.calls("GetRecords");
                await().during(Duration.ofMillis(3200)).atMost(Duration.ofSeconds(4))
                        .until(() -> counter.calls("GetRecords") - idleStart <= 5);
                assertThat(counter.calls("GetRecords") - idleStart).as("calls in 3.2 s idle").isBetween(2L, 5L);

                // a new record restarts the short pauses
                put(table, "k2", 1).block();
                await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 2);
                long afterSecond = callsAtLastRecord.get();
                await().atMost(Duration.ofMillis(700)).pollInterval(Duration.ofMillis(5))
                        .until(() -> counter.calls("GetRecords") >= afterSecond + 4);
            } finally {
                reading.dispose();
            }
        }
        assertThat(received).extracting(r -> r.keys().get("pk").s()).containsExactly("k1", "k2");
    }
    // ---------------------------------------------------------------- subscribed before the first write

    /** Puts {@code count} changes to {@code table}, each followed by a put to {@code other} (moving the server's shared sequence counter). */
    private static void writeInterleaved(String table, String other, int from, int count) {
        Flux.range(from, count).concatMap(i -> put(table, "k" + (i % 7), i).then(put(other, "o" + i, i))).blockLast();
    }

    @Test
    void receive_subscribedBeforeTheFirstWrite_whileAnotherTableIsWritten_deliversEveryChange(TestInfo info) {
        String table = newTable(info);
        String other = newTable(info);
        List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Disposable reading = receiver(table, b -> b).receive().doOnNext(r -> r.checkpoint().acknowledge())
                .subscribe(received::add, errors::add);
        try {
            // the receiver holds the TRIM_HORIZON iterator of the still empty shard while the counter moves
            put(other, "before", 0).block();
            await().atMost(Duration.ofSeconds(5)).until(() -> !reading.isDisposed());
            writeInterleaved(table, other, 0, 200);
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 200 || !errors.isEmpty());
            assertThat(errors).isEmpty();
            assertThat(received).extracting(r -> Integer.parseInt(r.newImage().get("version").n()))
                    .containsExactlyElementsOf(IntStream.range(0, 200).boxed().collect(Collectors.toList()));
        } finally {
            reading.dispose();
        }
    }

    @Test
    void receive_subscribedBeforeTheFirstWrite_acrossAForcedRollover_deliversEveryChangeInOrder(TestInfo info) {
        String table = newTable(info);
        String other = newTable(info);
        List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Disposable reading = receiver(table, b -> b.shardDiscoveryInterval(Duration.ofSeconds(1))).receive()
                .doOnNext(r -> r.checkpoint().acknowledge()).subscribe(received::add, errors::add);
        try {
            put(other, "before", 0).block();
            writeInterleaved(table, other, 0, 100);
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 100 || !errors.isEmpty());
            dynamoDb.triggerShardRollover();
            writeInterleaved(table, other, 100, 200);
            await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= 300 || !errors.isEmpty());
            assertThat(errors).isEmpty();
            assertThat(received).extracting(r -> Integer.parseInt(r.newImage().get("version").n()))
                    .containsExactlyElementsOf(IntStream.range(0, 300).boxed().collect(Collectors.toList()));
            assertThat(received.stream().map(ChangeRecord::shardId).distinct().count()).isEqualTo(2);
        } finally {
            reading.dispose();
        }
    }

    // ---------------------------------------------------------------- start-up and retries

    @Test
    void receive_whenTheEndpointIsWrong_failsAfterStartupTimeout_namingTheEndpoint() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (DynamoDbStreamsAsyncClient wrong = DynamoDbStreamsAsyncClient.builder()
                .endpointOverride(java.net.URI.create("http://127.0.0.1:" + closedPort))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("fake", "fake")))
                .build()) {
            Throwable error = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                            .streamsClient(wrong)
                            .streamArn("arn:aws:dynamodb:us-east-1:000000000000:table/Orders/stream/2026-01-01T00:00:00.000")
                            .startupTimeout(Duration.ofSeconds(3))
                            .build())
                    .receive().then().materialize().block(Duration.ofSeconds(30)).getThrowable();
            assertThat(error).isInstanceOf(StreamUnavailableException.class)
                    .hasMessageContaining("127.0.0.1:" + closedPort).hasMessageContaining("startupTimeout");
            assertThat(((StreamUnavailableException) error).reason())
                    .isEqualTo(StreamUnavailableException.Reason.SERVICE_UNREACHABLE);
            assertThat(error.getCause()).isNotNull();
        }
    }

    @Test
    void receive_retriesThrottlingInItsOwnLayerOnly_notStackedOnTheSdkClientsRetries(TestInfo info) {
        String table = newTable(info);
        Flux.range(0, 3).concatMap(i -> put(table, "k" + i, i)).blockLast();
        FaultInjector faults = FaultInjector.create(3L);
        faults.inject(io.github.ddbstreams.testkit.FaultKind.THROTTLE).on("GetRecords").times(4);
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        // the client keeps the SDK's default retry strategy (standard: up to 3 attempts per call)
        try (DynamoDbStreamsAsyncClient streams = dynamoDb.newStreamsAsyncClient(faults)) {
            List<ChangeRecord> records = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                            .streamsClient(streams).dynamoDbClient(client).tableName(table)
                            .retryBackoff(Duration.ofMillis(10)).maxRetryBackoff(Duration.ofMillis(20))
                            .meterRegistry(registry).build())
                    .receive().take(3).collectList().block(Duration.ofSeconds(30));
            assertThat(records).hasSize(3);
            // every throttled attempt reached the receiver's retry (and its throttle meter): no SDK retry hid one
            assertThat(registry.get(io.github.ddbstreams.metrics.DynamoDbStreamsMeters.THROTTLES.meterName())
                    .counter().count()).isEqualTo(4.0);
            assertThat(faults.calls("GetRecords")).isGreaterThanOrEqualTo(5);
        }
    }
}
