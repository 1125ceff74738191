package io.github.ddbstreams.samples.tail;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ddbstreams.operators.errors.DynamoDbFailureDestination;
import io.github.ddbstreams.operators.errors.DynamoDbFailureDestinationOptions;
import io.github.ddbstreams.operators.errors.FailedRecord;
import io.github.ddbstreams.operators.errors.FailedRecord.Reason;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The replay-failures tool, run in-process with {@code --endpoint} against a real DynamoDB Local. */
class ReplayFailuresIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STREAM = "arn:aws:dynamodb:ddblocal:000000000000:table/orders/stream/2026-12-04T00:00:00.000";

    private static EmbeddedDynamoDb dynamoDb;

    @BeforeAll
    static void startDynamoDb() {
        dynamoDb = EmbeddedDynamoDb.start();
    }

    @AfterAll
    static void stopDynamoDb() {
        dynamoDb.close();
    }

    private static FailedRecord failure(String shardId, int n, Reason reason) {
        ChangeRecord record = ChangeRecord.builder().eventId("e-" + n).eventName(EventName.INSERT)
                .keys(Map.of("pk", AttributeValue.fromS("item-" + n)))
                .newImage(Map.of("pk", AttributeValue.fromS("item-" + n), "n", AttributeValue.fromN(Integer.toString(n))))
                .sequenceNumber(Integer.toString(100 + n)).shardId(shardId).streamArn(STREAM).build();
        return new FailedRecord(record, reason, new IllegalStateException("broken " + n), 3,
                Instant.parse("2026-12-04T08:00:00Z"), Instant.parse("2026-12-04T09:00:00Z").plusSeconds(n));
    }

    @Test
    void replayFailures_printsTheSelectedFailuresAsJsonLinesAndMarksThemOnlyWhenAsked() throws Exception {
        String table = "replay-tool-failures";
        DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions.builder()
                        .client(dynamoDb.dynamoDbAsyncClient()).tableName(table).build())
                .send(List.of(failure("shardId-a", 1, Reason.POISON_RECORD), failure("shardId-a", 2, Reason.RETRIES_EXHAUSTED),
                        failure("shardId-b", 3, Reason.POISON_RECORD)))
                .block(Duration.ofSeconds(30));

        List<JsonNode> all = run(0, "--failure-table", table);
        assertThat(all).hasSize(3);

        List<JsonNode> poison = run(0, "--failure-table", table, "--reason", "poison_record", "--shard-id", "shardId-a");
        assertThat(poison).hasSize(1);
        JsonNode line = poison.get(0);
        assertThat(line.path("shardId").asText()).isEqualTo("shardId-a");
        assertThat(line.path("sequenceNumber").asText()).isEqualTo("101");
        assertThat(line.path("reason").asText()).isEqualTo("POISON_RECORD");
        assertThat(line.path("errorMessage").asText()).isEqualTo("broken 1");
        assertThat(line.path("attempts").asInt()).isEqualTo(3);
        assertThat(line.path("replayCount").asInt()).isZero();
        assertThat(line.at("/record/dynamodb/NewImage/n/N").asText()).isEqualTo("1");
        assertThat(line.at("/record/eventSourceARN").asText()).isEqualTo(STREAM);

        assertThat(run(0, "--failure-table", table, "--failed-after", "2026-12-04T09:00:02Z")).hasSize(2);
        assertThat(run(0, "--failure-table", table, "--mark-replayed", "--shard-id", "shardId-b")).hasSize(1);
        assertThat(run(0, "--failure-table", table)).hasSize(2); // the marked one is not printed again
        List<JsonNode> withReplayed = run(0, "--failure-table", table, "--include-replayed", "--shard-id", "shardId-b");
        assertThat(withReplayed).hasSize(1);
        assertThat(withReplayed.get(0).path("replayCount").asInt()).isEqualTo(1);
        assertThat(withReplayed.get(0).path("replayedAt").isTextual()).isTrue();
    }

    @Test
    void replayFailures_withBadArguments_exitsWithTwoNamingTheOption() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exitCode = ReplayFailures.run(new String[] {"--failure-table", "failures", "--endpoint",
                dynamoDb.endpoint().toString(), "--failed-after", "2026-12-04T10:00:00Z", "--failed-before",
                "2026-12-04T09:00:00Z"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true));
        assertThat(exitCode).isEqualTo(Tail.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("failedAfter must be before failedBefore");
    }

    private static List<JsonNode> run(int expectedExitCode, String... args) throws Exception {
        List<String> withEndpoint = new ArrayList<>(List.of(args));
        withEndpoint.addAll(List.of("--endpoint", dynamoDb.endpoint().toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exitCode = ReplayFailures.run(withEndpoint.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exitCode).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(expectedExitCode);
        List<JsonNode> lines = new ArrayList<>();
        for (String text : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!text.isBlank()) {
                lines.add(JSON.readTree(text));
            }
        }
        return lines;
    }
}
