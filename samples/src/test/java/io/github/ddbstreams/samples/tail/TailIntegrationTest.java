package io.github.ddbstreams.samples.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/** The tail tool, run in-process with {@code --endpoint} against a real DynamoDB Local; a fresh table per test. */
class TailIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A safety net: no test waits forever if the tool does not stop on its own. */
    private static final String[] SAFETY = {"--idle-timeout", "30s"};

    private static EmbeddedDynamoDb dynamoDb;

    private String table;

    @BeforeAll
    static void startDynamoDb() {
        dynamoDb = EmbeddedDynamoDb.start();
    }

    @AfterAll
    static void stopDynamoDb() {
        dynamoDb.close();
    }

    @BeforeEach
    void createTable(TestInfo test) {
        table = "tail-" + test.getTestMethod().orElseThrow().getName().replaceAll("[^a-zA-Z0-9]", "").toLowerCase();
        table = table.substring(0, Math.min(table.length(), 200));
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
    }

    @Test
    void tail_fromTrimHorizonWithCount_printsEachRecordAsOneLambdaJsonLineInWriteOrder() throws Exception {
        for (int i = 0; i < 10; i++) {
            put(item("item-" + i, i));
        }

        Result result = tail("--table", table, "--count", "10");

        assertThat(result.exitCode).as(result.err).isZero();
        List<JsonNode> events = result.json();
        assertThat(events).hasSize(10);
        for (int i = 0; i < 10; i++) {
            JsonNode event = events.get(i);
            assertThat(event.path("eventName").asText()).isEqualTo("INSERT");
            assertThat(event.path("eventSource").asText()).isEqualTo("aws:dynamodb");
            assertThat(event.path("eventSourceARN").asText()).startsWith("arn:aws:dynamodb:").contains(table);
            assertThat(event.at("/dynamodb/Keys/pk/S").asText()).isEqualTo("item-" + i);
            assertThat(event.at("/dynamodb/NewImage/n/N").asText()).isEqualTo(String.valueOf(i));
            assertThat(event.at("/dynamodb/StreamViewType").asText()).isEqualTo("NEW_AND_OLD_IMAGES");
        }
        List<String> sequenceNumbers = events.stream()
                .map(e -> e.at("/dynamodb/SequenceNumber").asText()).collect(Collectors.toList());
        assertThat(sequenceNumbers).isSortedAccordingTo(SequenceNumbers::compare).doesNotHaveDuplicates();
        assertThat(result.err).contains("10 record(s)");
    }

    @Test
    void tail_formatImage_printsTheNewImageAsPlainJsonAndNullForARemove() throws Exception {
        put(Map.of(
                "pk", AttributeValue.fromS("a"),
                "price", AttributeValue.fromN("12.50"),
                "big", AttributeValue.fromN("123456789012345678901234567890"),
                "tags", AttributeValue.fromSs(List.of("x")),
                "blob", AttributeValue.fromB(SdkBytes.fromUtf8String("hi")),
                "paid", AttributeValue.fromBool(true),
                "note", AttributeValue.fromNul(true),
                "lines", AttributeValue.fromL(List.of(AttributeValue.fromM(Map.of("qty", AttributeValue.fromN("2")))))));
        dynamoDb.syncClient().deleteItem(b -> b.tableName(table).key(Map.of("pk", AttributeValue.fromS("a"))));

        Result result = tail("--table", table, "--format", "image", "--count", "2");

        assertThat(result.exitCode).as(result.err).isZero();
        assertThat(result.lines()).hasSize(2);
        JsonNode image = JSON.readTree(result.lines().get(0));
        assertThat(image.get("pk").textValue()).isEqualTo("a");
        assertThat(image.get("price").isNumber()).isTrue();
        assertThat(image.get("price").decimalValue()).isEqualByComparingTo("12.5");
        assertThat(result.lines().get(0)).contains("\"big\":123456789012345678901234567890");
        assertThat(image.get("tags").isArray()).isTrue();
        assertThat(image.get("tags").get(0).textValue()).isEqualTo("x");
        assertThat(image.get("blob").textValue()).isEqualTo("aGk="); // base64 of "hi"
        assertThat(image.get("paid").booleanValue()).isTrue();
        assertThat(image.get("note").isNull()).isTrue();
        assertThat(image.at("/lines/0/qty").isNumber()).isTrue();
        assertThat(result.lines().get(1)).isEqualTo("null");
    }

    @Test
    void tail_formatKeys_printsTheKeysAsPlainJson() {
        put(item("k-1", 1));
        put(item("k-2", 2));

        Result result = tail("--table", table, "--format", "KEYS", "--count", "2");

        assertThat(result.exitCode).as(result.err).isZero();
        assertThat(result.lines()).containsExactly("{\"pk\":\"k-1\"}", "{\"pk\":\"k-2\"}");
    }

    @Test
    void tail_fromLatest_printsOnlyChangesMadeAfterItStarted() throws Exception {
        for (int i = 0; i < 5; i++) {
            put(item("early-" + i, i));
        }
        CompletableFuture<Result> running = CompletableFuture.supplyAsync(
                () -> tail("--table", table, "--from", "latest", "--count", "3", "--poll-interval", "50ms"));

        // The tool takes its LATEST iterators at some moment after it starts: keep writing until it has seen 3.
        AtomicInteger late = new AtomicInteger();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            put(item("late-" + late.getAndIncrement(), 0));
            return running.isDone();
        });

        Result result = running.get();
        assertThat(result.exitCode).as(result.err).isZero();
        List<String> keys = new ArrayList<>();
        for (JsonNode event : result.json()) {
            keys.add(event.at("/dynamodb/Keys/pk/S").asText());
        }
        assertThat(keys).hasSize(3).allMatch(k -> k.startsWith("late-"));
        int first = Integer.parseInt(keys.get(0).substring("late-".length()));
        assertThat(keys).containsExactly("late-" + first, "late-" + (first + 1), "late-" + (first + 2));
    }

    @Test
    void tail_withFilter_printsOnlyTheMatchingRecords() throws Exception {
        for (int i = 0; i < 10; i++) {
            put(Map.of("pk", AttributeValue.fromS("order-" + i),
                    "status", AttributeValue.fromS(i % 2 == 0 ? "PAID" : "NEW")));
        }

        Result result = tail("--table", table, "--count", "5",
                "--filter", "{\"eventName\": [\"INSERT\"], \"dynamodb\": {\"NewImage\": {\"status\": {\"S\": [\"PAID\"]}}}}");

        assertThat(result.exitCode).as(result.err).isZero();
        List<String> keys = new ArrayList<>();
        for (JsonNode event : result.json()) {
            keys.add(event.at("/dynamodb/Keys/pk/S").asText());
        }
        assertThat(keys).containsExactly("order-0", "order-2", "order-4", "order-6", "order-8");
    }

    @Test
    void tail_withIdleTimeout_stopsNormallyOnceTheStreamIsQuiet() {
        put(item("only-1", 1));
        put(item("only-2", 2));

        Result result = tail("--table", table, "--format", "keys", "--idle-timeout", "5s");

        assertThat(result.exitCode).as(result.err).isZero();
        assertThat(result.lines()).containsExactly("{\"pk\":\"only-1\"}", "{\"pk\":\"only-2\"}");
        assertThat(result.err).contains("no record for PT5S");
    }

    @Test
    void tail_byStreamArn_readsThatStream() {
        String streamArn = dynamoDb.syncClient().describeTable(b -> b.tableName(table)).table().latestStreamArn();
        put(item("s-1", 1));

        Result result = tail("--stream-arn", streamArn, "--format", "keys", "--count", "1");

        assertThat(result.exitCode).as(result.err).isZero();
        assertThat(result.lines()).containsExactly("{\"pk\":\"s-1\"}");
    }

    @Test
    void tail_whenTableDoesNotExist_exitsWithOneAndTheReceiversMessage() {
        Result result = tail("--table", "NoSuchTable");

        assertThat(result.exitCode).isEqualTo(Tail.EXIT_FAILURE);
        assertThat(result.err).contains("tail: Table 'NoSuchTable' does not exist");
        assertThat(result.out).isEmpty();
    }

    @Test
    void tail_whenTableHasNoStream_exitsWithOneAndSaysSo() {
        dynamoDb.syncClient().updateTable(b -> b.tableName(table)
                .streamSpecification(s -> s.streamEnabled(false)));

        Result result = tail("--table", table);

        assertThat(result.exitCode).isEqualTo(Tail.EXIT_FAILURE);
        assertThat(result.err).contains("has no stream enabled");
    }

    @Test
    void tail_whenEndpointIsUnreachable_exitsWithOne() {
        Result result = Result.of(new String[] {"--table", table, "--endpoint", "http://127.0.0.1:1",
            "--max-retries", "0"});

        assertThat(result.exitCode).isEqualTo(Tail.EXIT_FAILURE);
        assertThat(result.err).containsIgnoringCase("unable to execute http request");
    }

    @Test
    void tail_fromKclLeaseTable_dryRunPrintsThePlan_thenPrintsOnlyRecordsAfterTheKclCheckpoint() throws Exception {
        for (int i = 0; i < 6; i++) {
            put(item("kcl-" + i, i));
        }
        List<String> sequenceNumbers = new ArrayList<>();
        for (JsonNode event : tail("--table", table, "--count", "6").json()) {
            sequenceNumbers.add(event.at("/dynamodb/SequenceNumber").asText());
        }
        String streamArn = dynamoDb.syncClient().describeTable(b -> b.tableName(table)).table().latestStreamArn();
        String shardId = dynamoDb.streamsAsyncClient().describeStream(b -> b.streamArn(streamArn)).join()
                .streamDescription().shards().get(0).shardId();
        // a lease table as the KCL 1.x adapter leaves it: the KCL processed and checkpointed the first 4 records
        String leaseTable = table + "-kcl";
        dynamoDb.createTable(CreateTableRequest.builder().tableName(leaseTable)
                .attributeDefinitions(AttributeDefinition.builder().attributeName("leaseKey")
                        .attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.HASH).build())
                .billingMode(BillingMode.PAY_PER_REQUEST).build());
        dynamoDb.syncClient().putItem(b -> b.tableName(leaseTable).item(Map.of(
                "leaseKey", AttributeValue.fromS(shardId),
                "leaseOwner", AttributeValue.fromS("kcl-worker-1"),
                "leaseCounter", AttributeValue.fromN("17"),
                "checkpoint", AttributeValue.fromS(sequenceNumbers.get(3)),
                "checkpointSubSequenceNumber", AttributeValue.fromN("0"),
                "ownerSwitchesSinceCheckpoint", AttributeValue.fromN("0"))));

        Result plan = tail("--table", table, "--from-kcl-lease-table", leaseTable, "--dry-run",
                "--kcl-observation-window", "0s");
        Result result = tail("--table", table, "--from-kcl-lease-table", leaseTable, "--kcl-observation-window", "0s",
                "--format", "keys", "--count", "2");

        assertThat(plan.exitCode).as(plan.err).isZero();
        assertThat(plan.out).contains(shardId + " → after " + sequenceNumbers.get(3) + " (KCL checkpoint)");
        assertThat(result.exitCode).as(result.err).isZero();
        assertThat(result.lines()).containsExactly("{\"pk\":\"kcl-4\"}", "{\"pk\":\"kcl-5\"}");
    }

    private void put(Map<String, AttributeValue> item) {
        dynamoDb.syncClient().putItem(b -> b.tableName(table).item(item));
    }

    private static Map<String, AttributeValue> item(String pk, int n) {
        return Map.of("pk", AttributeValue.fromS(pk), "n", AttributeValue.fromN(String.valueOf(n)));
    }

    private static Result tail(String... args) {
        List<String> withEndpoint = new ArrayList<>(Arrays.asList(args));
        withEndpoint.addAll(List.of("--endpoint", dynamoDb.endpoint().toString()));
        if (!withEndpoint.contains("--idle-timeout")) {
            withEndpoint.addAll(Arrays.asList(SAFETY));
        }
        return Result.of(withEndpoint.toArray(String[]::new));
    }

    /** What one run of the tool printed, and its exit code. */
    static final class Result {
        final int exitCode;
        final String out;
        final String err;

        private Result(int exitCode, String out, String err) {
            this.exitCode = exitCode;
            this.out = out;
            this.err = err;
        }

        static Result of(String[] args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exitCode = Tail.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Result(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }

        List<String> lines() {
            return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
        }

        List<JsonNode> json() throws Exception {
            List<JsonNode> nodes = new ArrayList<>();
            for (String line : lines()) {
                nodes.add(JSON.readTree(line));
            }
            return nodes;
        }
    }
}
