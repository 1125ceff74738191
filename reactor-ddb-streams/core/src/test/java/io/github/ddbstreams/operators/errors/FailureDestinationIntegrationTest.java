package io.github.ddbstreams.operators.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;

import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStore;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStoreOptions;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.operators.errors.FailedRecord.Reason;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
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

/** {@link ErrorHandling} with a {@link DynamoDbFailureDestination} on a real DynamoDB Local server. */
class FailureDestinationIntegrationTest {

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

    private static String name(TestInfo info, String suffix) {
        return info.getTestMethod().orElseThrow().getName().replaceAll("[^a-zA-Z0-9]", "").substring(0, 20)
                + tables.incrementAndGet() + suffix;
    }

    private static Map<String, AttributeValue> getItem(String table, String shard, String sequenceNumber) {
        return client.getItem(r -> r.tableName(table).consistentRead(true).key(Map.of(
                DynamoDbFailureDestination.SHARD, AttributeValue.fromS(shard),
                DynamoDbFailureDestination.SEQUENCE_NUMBER, AttributeValue.fromS(DynamoDbFailureDestination.padded(sequenceNumber)))))
                .join().item();
    }

    @Test
    void pipeline_withOnePoisonItemIn200_processesTheOthersStoresThePoisonAndCheckpointsPastIt(TestInfo info) {
        String table = name(info, "");
        String failureTable = name(info, "-failures");
        String checkpointTable = name(info, "-checkpoints");
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        Flux.range(0, 200)
                .concatMap(i -> Mono.fromFuture(() -> client.putItem(r -> r.tableName(table).item(Map.of(
                        "pk", AttributeValue.fromS("item-" + i),
                        "payload", AttributeValue.fromS("payload-" + i),
                        "poison", AttributeValue.fromBool(i == 123))))))
                .blockLast(Duration.ofMinutes(1));

        DynamoDbCheckpointStore store = DynamoDbCheckpointStore.create(DynamoDbCheckpointStoreOptions.builder()
                .client(client).tableName(checkpointTable).build());
        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(dynamoDb.streamsAsyncClient()).dynamoDbClient(client).tableName(table)
                .checkpointStore(store).pollInterval(Duration.ofMillis(20)).commitInterval(Duration.ofMillis(200))
                .build());
        DynamoDbFailureDestination destination = DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions
                .builder().client(client).tableName(failureTable).build());
        ErrorHandlingOptions options = ErrorHandlingOptions.builder()
                .bisectOnError(true).maxAttempts(2).retryBackoff(Duration.ofMillis(10))
                .maxRetryBackoff(Duration.ofMillis(50)).failureDestination(destination).build();

        Set<String> processed = ConcurrentHashMap.newKeySet();
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<ChangeRecord> poison = new AtomicReference<>();
        Disposable pipeline = receiver.receive()
                .bufferTimeout(50, Duration.ofMillis(200))
                .map(RecordBatch::of)
                .transform(ErrorHandling.process(options, batch -> Mono.defer(() -> {
                    calls.incrementAndGet();
                    for (ChangeRecord record : batch.records()) {
                        if (Boolean.TRUE.equals(record.newImage().get("poison").bool())) {
                            poison.set(record);
                            return Mono.error(new IllegalArgumentException("cannot index a poison item"));
                        }
                    }
                    batch.records().forEach(r -> processed.add(r.keys().get("pk").s()));
                    return Mono.just(BatchResult.success(batch));
                })))
                .subscribe();
        try {
            await().atMost(Duration.ofMinutes(1)).until(() -> processed.size() == 199);
            assertThat(processed).doesNotContain("item-123");

            ChangeRecord poisonRecord = poison.get();
            String shard = poisonRecord.streamArn() + "#" + poisonRecord.shardId();
            await().atMost(Duration.ofSeconds(30)).until(() -> !getItem(failureTable, shard, poisonRecord.sequenceNumber()).isEmpty());
            Map<String, AttributeValue> item = getItem(failureTable, shard, poisonRecord.sequenceNumber());
            assertThat(item.get(DynamoDbFailureDestination.REASON).s()).isEqualTo(Reason.POISON_RECORD.name());
            assertThat(item.get(DynamoDbFailureDestination.PAYLOAD_FORMAT).s()).isEqualTo(DynamoDbFailureDestination.FORMAT_IMAGES);
            assertThat(item.get(DynamoDbFailureDestination.NEW_IMAGE).m()).isEqualTo(Map.of(
                    "pk", AttributeValue.fromS("item-123"),
                    "payload", AttributeValue.fromS("payload-123"),
                    "poison", AttributeValue.fromBool(true)));
            assertThat(item.get(DynamoDbFailureDestination.KEYS).m()).isEqualTo(Map.of("pk", AttributeValue.fromS("item-123")));
            assertThat(item.get(DynamoDbFailureDestination.ERROR_TYPE).s()).isEqualTo(IllegalArgumentException.class.getName());
            assertThat(item.get(DynamoDbFailureDestination.ERROR_MESSAGE).s()).isEqualTo("cannot index a poison item");
            assertThat(item.get(DynamoDbFailureDestination.ATTEMPTS).n()).isEqualTo("2");
            assertThat(item.get(DynamoDbFailureDestination.EVENT_ID).s()).isEqualTo(poisonRecord.eventId());
            assertThat(item.get(DynamoDbFailureDestination.EVENT_NAME).s()).isEqualTo("INSERT");

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ShardCheckpoint checkpoint = store.load(poisonRecord.streamArn()).block(Duration.ofSeconds(10))
                        .get(poisonRecord.shardId());
                assertThat(checkpoint).isNotNull();
                assertThat(SequenceNumbers.compare(checkpoint.sequenceNumber(), poisonRecord.sequenceNumber()))
                        .isGreaterThanOrEqualTo(0);
            });
            // 200 records in 4 batches: 3 clean calls + bisecting the poison batch
            assertThat(calls.get()).isLessThanOrEqualTo(3 + 12);
        } finally {
            pipeline.dispose();
        }
    }

    private static FailedRecord failed(Map<String, AttributeValue> newImage, String sequenceNumber) {
        ChangeRecord record = ChangeRecord.builder().eventId("e-" + sequenceNumber).eventName(EventName.MODIFY)
                .keys(Map.of("pk", AttributeValue.fromS("k")))
                .oldImage(Map.of("pk", AttributeValue.fromS("k"), "v", AttributeValue.fromN("1")))
                .newImage(newImage)
                .sequenceNumber(sequenceNumber).shardId("shardId-1").streamArn("arn:aws:dynamodb:test:stream/1")
                .approximateCreationTime(Instant.parse("2024-01-01T00:00:00Z"))
                .build();
        // failed in the future: the TTL attribute must not let DynamoDB Local expire the item during the test
        return new FailedRecord(record, Reason.RETRIES_EXHAUSTED, new IllegalStateException("x".repeat(5000)), 7,
                Instant.parse("2099-01-01T00:00:01Z"), Instant.parse("2099-01-01T00:05:00Z"));
    }

    @Test
    void send_storesFullRecordsAndCompressesThoseTooLargeForAnItem(TestInfo info) throws IOException {
        String failureTable = name(info, "-failures");
        DynamoDbFailureDestination destination = DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions
                .builder().client(client).tableName(failureTable).timeToLive("expiresAt", Duration.ofDays(1))
                .maxErrorMessageLength(100).build());
        Map<String, AttributeValue> small = Map.of("pk", AttributeValue.fromS("k"), "tags",
                AttributeValue.fromSs(List.of("a", "b")), "nested", AttributeValue.fromM(Map.of("n", AttributeValue.fromN("1.50"))));
        Map<String, AttributeValue> large = new LinkedHashMap<>();
        large.put("pk", AttributeValue.fromS("k"));
        for (int i = 0; i < 6; i++) { // 480 KB: more than an item may hold
            large.put("blob" + i, AttributeValue.fromS(("chunk " + i + " ").repeat(10_000)));
        }
        List<FailedRecord> failures = List.of(failed(small, "100"), failed(large, "200"));

        destination.send(failures).block(Duration.ofSeconds(30));
        destination.send(failures).block(Duration.ofSeconds(30)); // idempotent

        String shard = "arn:aws:dynamodb:test:stream/1#shardId-1";
        Map<String, AttributeValue> smallItem = getItem(failureTable, shard, "100");
        assertThat(smallItem.get(DynamoDbFailureDestination.SEQUENCE_NUMBER).s()).hasSize(40).endsWith("100");
        assertThat(smallItem.get(DynamoDbFailureDestination.NEW_IMAGE).m()).isEqualTo(small);
        assertThat(smallItem.get(DynamoDbFailureDestination.OLD_IMAGE).m()).containsKey("v");
        assertThat(smallItem.get(DynamoDbFailureDestination.ERROR_MESSAGE).s()).hasSize(100).endsWith("...");
        assertThat(smallItem.get(DynamoDbFailureDestination.ATTEMPTS).n()).isEqualTo("7");
        assertThat(smallItem.get(DynamoDbFailureDestination.ITEM_KEY).s()).isEqualTo("{\"pk\":\"k\"}");
        assertThat(smallItem.get(DynamoDbFailureDestination.FIRST_ATTEMPT_AT).s()).isEqualTo("2099-01-01T00:00:01Z");
        assertThat(smallItem.get(DynamoDbFailureDestination.FAILED_AT).s()).isEqualTo("2099-01-01T00:05:00Z");
        assertThat(smallItem.get("expiresAt").n())
                .isEqualTo(Long.toString(Instant.parse("2099-01-02T00:05:00Z").getEpochSecond()));

        Map<String, AttributeValue> largeItem = getItem(failureTable, shard, "200");
        assertThat(largeItem.get(DynamoDbFailureDestination.PAYLOAD_FORMAT).s())
                .isEqualTo(DynamoDbFailureDestination.FORMAT_LAMBDA_EVENT_GZIP);
        assertThat(largeItem).doesNotContainKeys(DynamoDbFailureDestination.NEW_IMAGE, DynamoDbFailureDestination.OLD_IMAGE);
        byte[] gzip = largeItem.get(DynamoDbFailureDestination.LAMBDA_EVENT).b().asByteArray();
        String json;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(json).isEqualTo(failures.get(1).record().toLambdaEventJson());

        assertThat(client.describeTimeToLive(r -> r.tableName(failureTable)).join().timeToLiveDescription().attributeName())
                .isEqualTo("expiresAt");
    }

    @Test
    void send_forOneItemsFailuresWithNumberKeysInDifferentForms_storesOneItemKey(TestInfo info) {
        String failureTable = name(info, "-failures");
        DynamoDbFailureDestination destination = DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions
                .builder().client(client).tableName(failureTable).build());
        List<FailedRecord> failures = List.of(
                withKeys(failed(Map.of(), "301"), Map.of("pk", AttributeValue.fromN("1"), "sk", AttributeValue.fromS("a"))),
                withKeys(failed(Map.of(), "302"), Map.of("sk", AttributeValue.fromS("a"), "pk", AttributeValue.fromN("1.0"))),
                withKeys(failed(Map.of(), "303"), Map.of("pk", AttributeValue.fromN("10E-1"), "sk", AttributeValue.fromS("a"))),
                withKeys(failed(Map.of(), "304"), Map.of("flag", AttributeValue.fromBool(true)))); // no DynamoDB key

        destination.send(failures).block(Duration.ofSeconds(30));

        String shard = "arn:aws:dynamodb:test:stream/1#shardId-1";
        for (String sequenceNumber : List.of("301", "302", "303")) {
            assertThat(getItem(failureTable, shard, sequenceNumber).get(DynamoDbFailureDestination.ITEM_KEY).s())
                    .as(sequenceNumber).isEqualTo("{\"pk\":1,\"sk\":\"a\"}");
        }
        Map<String, AttributeValue> invalid = getItem(failureTable, shard, "304");
        assertThat(invalid).doesNotContainKey(DynamoDbFailureDestination.ITEM_KEY);
        assertThat(invalid.get(DynamoDbFailureDestination.KEYS).m()).containsKey("flag"); // stored all the same
    }

    private static FailedRecord withKeys(FailedRecord failure, Map<String, AttributeValue> keys) {
        return new FailedRecord(failure.record().toBuilder().keys(keys).build(), failure.reason(), failure.error(),
                failure.attempts(), failure.firstAttemptAt(), failure.failedAt());
    }

    @Test
    void send_whenTableMissingAndCreationDisabled_failsNamingTheTable(TestInfo info) {
        String failureTable = name(info, "-failures");
        DynamoDbFailureDestination destination = DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions
                .builder().client(client).tableName(failureTable).createTableIfAbsent(false).build());
        assertThatThrownBy(() -> destination.send(List.of(failed(Map.of(), "1"))).block(Duration.ofSeconds(30)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Failure table '" + failureTable + "' does not exist")
                .hasMessageContaining("partition key shard (S) and sort key sequenceNumber (S)");
    }
}
