package io.github.ddbstreams.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ddbstreams.backfill.BackfillException;
import io.github.ddbstreams.backfill.BackfillOptions;
import io.github.ddbstreams.backfill.TableBackfill;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Bad and unusual input against a real server: each gives a clear error or is delivered intact, by the
 * receiver and by the backfill; nothing is lost silently.
 */
class BadInputIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedDynamoDb dynamoDb;
    private static final AtomicInteger tables = new AtomicInteger();

    @BeforeAll
    static void start() {
        dynamoDb = EmbeddedDynamoDb.start();
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
    }

    private static String newTable(TestInfo info) {
        String table = info.getTestMethod().orElseThrow().getName().replaceAll("[^a-zA-Z0-9]", "") + tables.incrementAndGet();
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        return table;
    }

    private static ReceiverOptions.Builder options(String table) {
        return ReceiverOptions.builder()
                .streamsClient(dynamoDb.streamsAsyncClient())
                .dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                .tableName(table)
                .pollInterval(Duration.ofMillis(20))
                .shardDiscoveryInterval(Duration.ofMillis(200));
    }

    private static void put(String table, Map<String, AttributeValue> item) {
        dynamoDb.syncClient().putItem(b -> b.tableName(table).item(item));
    }

    /** Reads {@code count} records from the stream (then cancels) and scans the table with the backfill. */
    private static List<ChangeRecord> receive(String table, int count) {
        return DynamoDbStreamsReceiver.create(options(table).build()).receive()
                .take(count).collectList().block(Duration.ofSeconds(30));
    }

    private static List<ChangeRecord> backfill(String table) {
        return TableBackfill.create(BackfillOptions.builder().dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                .tableName(table).totalSegments(2).build()).scan().collectList().block(Duration.ofSeconds(30));
    }

    /** Delivered intact by the stream and the backfill: images, plain Java values and the Lambda JSON. */
    private static void assertDeliveredIntact(String table, Map<String, AttributeValue> item) throws Exception {
        put(table, item);
        List<ChangeRecord> fromStream = receive(table, 1);
        List<ChangeRecord> fromBackfill = backfill(table);
        assertThat(fromBackfill).hasSize(1);
        for (ChangeRecord record : List.of(fromStream.get(0), fromBackfill.get(0))) {
            assertThat(record.eventName()).isEqualTo(EventName.INSERT);
            assertThat(normalized(record.newImage())).isEqualTo(normalized(item));
            assertThat(record.newImageAsMap()).isEqualTo(ChangeRecord.builder().eventName(EventName.INSERT)
                    .sequenceNumber("1").newImage(item).build().newImageAsMap());
            JsonNode json = JSON.readTree(record.toLambdaEventJson());
            JsonNode newImage = json.path("dynamodb").path("NewImage");
            assertThat(newImage.size()).isEqualTo(item.size());
            for (Map.Entry<String, AttributeValue> attribute : item.entrySet()) {
                assertThat(newImage.has(attribute.getKey())).as("attribute %s in the Lambda JSON", attribute.getKey()).isTrue();
                if (attribute.getValue().s() != null) {
                    assertThat(newImage.get(attribute.getKey()).get("S").asText()).isEqualTo(attribute.getValue().s());
                }
            }
        }
    }

    /** Sets are unordered: DynamoDB returns them in its own order. Sorts them, everything else unchanged. */
    private static Map<String, AttributeValue> normalized(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        item.forEach((name, value) -> out.put(name, normalized(value)));
        return out;
    }

    private static AttributeValue normalized(AttributeValue value) {
        switch (value.type()) {
            case SS:
                return AttributeValue.fromSs(value.ss().stream().sorted().toList());
            case NS:
                return AttributeValue.fromNs(value.ns().stream().sorted(java.util.Comparator.comparing(java.math.BigDecimal::new)).toList());
            case BS:
                return AttributeValue.fromBs(value.bs().stream()
                        .sorted(java.util.Comparator.comparing(b -> java.util.HexFormat.of().formatHex(b.asByteArray()))).toList());
            case M:
                return AttributeValue.fromM(normalized(value.m()));
            case L:
                return AttributeValue.fromL(value.l().stream().map(BadInputIntegrationTest::normalized).toList());
            default:
                return value;
        }
    }

    // ---------------------------------------------------------------- unknown / unavailable

    @Test
    void receive_whenTableDoesNotExist_failsWithTableNotFound() {
        StepVerifier.create(DynamoDbStreamsReceiver.create(options("noSuchTable").build()).receive())
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(StreamUnavailableException.class).hasMessageContaining("noSuchTable");
                    assertThat(((StreamUnavailableException) e).reason())
                            .isEqualTo(StreamUnavailableException.Reason.TABLE_NOT_FOUND);
                })
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void receive_whenStreamArnIsUnknown_failsWithStreamNotFound() {
        String arn = "arn:aws:dynamodb:ddblocal:000000000000:table/nope/stream/2020-01-01T00:00:00.000";
        StepVerifier.create(DynamoDbStreamsReceiver.create(options("x").tableName(null).streamArn(arn).build()).receive())
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(StreamUnavailableException.class).hasMessageContaining(arn);
                    assertThat(((StreamUnavailableException) e).reason())
                            .isEqualTo(StreamUnavailableException.Reason.STREAM_NOT_FOUND);
                })
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void receive_whenTableHasNoStream_failsWithStreamNotEnabled_andBackfillThenStreamToo(TestInfo info) {
        String table = "noStream" + tables.incrementAndGet();
        dynamoDb.createTable(CreateTableRequest.builder().tableName(table)
                .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .billingMode(BillingMode.PAY_PER_REQUEST).build());

        StepVerifier.create(DynamoDbStreamsReceiver.create(options(table).build()).receive())
                .expectErrorSatisfies(e -> assertThat(((StreamUnavailableException) e).reason())
                        .isEqualTo(StreamUnavailableException.Reason.STREAM_NOT_ENABLED))
                .verify(Duration.ofSeconds(30));
        StepVerifier.create(TableBackfill.create(BackfillOptions.builder().dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                        .tableName(table).build()).backfillThenStream(options(table).build()))
                .expectErrorSatisfies(e -> assertThat(((BackfillException) e).reason())
                        .isEqualTo(BackfillException.Reason.STREAM_NOT_ENABLED))
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void backfill_whenTableDoesNotExist_failsWithTableNotFound() {
        StepVerifier.create(TableBackfill.create(BackfillOptions.builder().dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                        .tableName("noSuchTable").build()).scan())
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(BackfillException.class).hasMessageContaining("noSuchTable");
                    assertThat(((BackfillException) e).reason()).isEqualTo(BackfillException.Reason.TABLE_NOT_FOUND);
                })
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void receive_whenStreamDisabledMidRun_deliversEverythingThenFailsWithStreamDisabled(TestInfo info) {
        String table = newTable(info);
        assertEndsWithStreamDisabled(table, () -> dynamoDb.syncClient().updateTable(b -> b.tableName(table)
                .streamSpecification(s -> s.streamEnabled(false))));
    }

    @Test
    void receive_whenTableDeletedMidRun_deliversEverythingThenFailsWithStreamDisabled(TestInfo info) {
        String table = newTable(info);
        assertEndsWithStreamDisabled(table, () -> dynamoDb.syncClient().deleteTable(b -> b.tableName(table)));
    }

    private static void assertEndsWithStreamDisabled(String table, Runnable disable) {
        List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Disposable reading = DynamoDbStreamsReceiver.create(options(table).build()).receive()
                .subscribe(received::add, failure::set);
        try {
            for (int i = 0; i < 50; i++) {
                put(table, Map.of("pk", AttributeValue.fromS("k" + i)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 20);
            for (int i = 50; i < 100; i++) {
                put(table, Map.of("pk", AttributeValue.fromS("k" + i)));
            }
            disable.run();
            await().atMost(Duration.ofSeconds(30)).until(() -> failure.get() != null);
        } finally {
            reading.dispose();
        }
        assertThat(received).hasSize(100);
        assertThat(failure.get()).isInstanceOf(StreamUnavailableException.class).hasMessageContaining(table);
        assertThat(((StreamUnavailableException) failure.get()).reason())
                .isEqualTo(StreamUnavailableException.Reason.STREAM_DISABLED);
    }

    @Test
    void backfill_whenTableDeletedMidScan_failsWithTableNotFound(TestInfo info) {
        String table = newTable(info);
        for (int i = 0; i < 100; i++) {
            put(table, Map.of("pk", AttributeValue.fromS("k" + i)));
        }
        AtomicInteger seen = new AtomicInteger();
        StepVerifier.create(TableBackfill.create(BackfillOptions.builder().dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                                .tableName(table).totalSegments(1).pageSize(10).build()).scan()
                        .concatMap(record -> seen.incrementAndGet() == 5
                                ? Mono.fromFuture(() -> dynamoDb.dynamoDbAsyncClient().deleteTable(b -> b.tableName(table)))
                                        .thenReturn(record)
                                : Mono.just(record)))
                .thenConsumeWhile(record -> true)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(BackfillException.class).hasMessageContaining(table)
                            .hasMessageContaining("deleted");
                    assertThat(((BackfillException) e).reason()).isEqualTo(BackfillException.Reason.TABLE_NOT_FOUND);
                })
                .verify(Duration.ofSeconds(30));
        assertThat(seen.get()).isEqualTo(10); // the first page, then the error: nothing silently skipped
    }

    // ---------------------------------------------------------------- unusual items, delivered intact

    @Test
    void itemNear400KbLimit_isDeliveredIntact(TestInfo info) throws Exception {
        String table = newTable(info);
        // 400 KB = 409,600 bytes counting names and values; leave room for the key and names
        assertDeliveredIntact(table, Map.of(
                "pk", AttributeValue.fromS("big"),
                "payload", AttributeValue.fromS("x".repeat(409_600 - 200)),
                "blob", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[100]))));
    }

    @Test
    void itemOver400Kb_isRejectedByDynamoDbAndNothingIsDelivered(TestInfo info) {
        String table = newTable(info);
        Map<String, AttributeValue> tooBig = Map.of("pk", AttributeValue.fromS("big"),
                "payload", AttributeValue.fromS("x".repeat(410_000)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> put(table, tooBig))
                .hasMessageContaining("size");
        assertThat(backfill(table)).isEmpty();
    }

    @Test
    void deeplyNestedMaps_32Levels_areDeliveredIntact(TestInfo info) throws Exception {
        String table = newTable(info);
        AttributeValue nested = AttributeValue.fromS("bottom");
        for (int level = 0; level < 31; level++) { // the top-level attribute makes it 32 levels
            nested = AttributeValue.fromM(Map.of("level" + level, nested, "n" + level, AttributeValue.fromN(Integer.toString(level))));
        }
        assertDeliveredIntact(table, Map.of("pk", AttributeValue.fromS("deep"), "tree", nested));
    }

    @Test
    void unusualUnicodeInKeysAndValues_isDeliveredIntact(TestInfo info) throws Exception {
        String table = newTable(info);
        String key = "😀 עברית العربية \u0001\u001f\u007f 𝄞 \u200F\uFEFF ñ";
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("pk", AttributeValue.fromS(key));
        item.put("emoji 👩‍👩‍👧‍👦", AttributeValue.fromS("🏳️‍🌈 \uD83D\uDE00 surrogate pair"));
        item.put("rtl", AttributeValue.fromS("\u202Eabc\u202C שלום"));
        item.put("controls", AttributeValue.fromS("tab\tnewline\ncr\rbell\u0007escape\u001b\"quote\\backslash"));
        item.put("list", AttributeValue.fromL(List.of(AttributeValue.fromS("中文"), AttributeValue.fromS("𠜎𠜱"))));
        assertDeliveredIntact(table, item);
    }

    @Test
    void binaryAndSetAttributes_areDeliveredIntact(TestInfo info) throws Exception {
        String table = newTable(info);
        byte[] allBytes = new byte[256];
        for (int i = 0; i < 256; i++) {
            allBytes[i] = (byte) i;
        }
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("pk", AttributeValue.fromS("sets"));
        item.put("b", AttributeValue.fromB(SdkBytes.fromByteArray(allBytes)));
        item.put("bs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {0}),
                SdkBytes.fromByteArray(new byte[] {(byte) 0xff, 0}))));
        item.put("ss", AttributeValue.fromSs(List.of("b", "a", "😀")));
        item.put("ns", AttributeValue.fromNs(List.of("1", "-2.5", "99999999999999999999999999999999999999")));
        item.put("bool", AttributeValue.fromBool(false));
        item.put("null", AttributeValue.fromNul(true));
        item.put("emptyList", AttributeValue.fromL(List.of()));
        item.put("emptyMap", AttributeValue.fromM(Map.of()));
        assertDeliveredIntact(table, item);
        ByteBuffer b = (ByteBuffer) receive(table, 1).get(0).newImageAsMap().get("b");
        byte[] read = new byte[b.remaining()];
        b.get(read);
        assertThat(read).isEqualTo(allBytes);
    }
}
