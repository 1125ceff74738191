package io.github.ddbstreams.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * {@link StartPosition#atTimestamp} against a real DynamoDB Local server. DynamoDB Local truncates
 * {@code ApproximateCreationDateTime} to the minute, so this test waits for a minute boundary (up to 60 s):
 * it is a class of its own so that it runs beside the other integration tests.
 */
class DynamoDbStreamsReceiverTimestampIntegrationTest {

    private static EmbeddedDynamoDb dynamoDb;
    private static DynamoDbAsyncClient client;

    @BeforeAll
    static void startDynamoDb() {
        dynamoDb = EmbeddedDynamoDb.start();
        client = dynamoDb.dynamoDbAsyncClient();
    }

    @AfterAll
    static void stopDynamoDb() {
        dynamoDb.close();
    }

    private static Mono<Void> put(String table, String key) {
        return Mono.fromFuture(() -> client.putItem(b -> b.tableName(table).item(Map.of(
                "pk", AttributeValue.fromS(key))))).then();
    }

    @Test
    void startPosition_atTimestamp_skipsRecordsCreatedBefore() {
        String table = "AtTimestamp";
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        Flux.range(0, 10).concatMap(i -> put(table, "before-" + i)).blockLast();
        Instant writtenBefore = Instant.now();
        await().atMost(Duration.ofSeconds(65)).pollInterval(Duration.ofMillis(200)).until(() ->
                Instant.now().truncatedTo(ChronoUnit.MINUTES).isAfter(writtenBefore.truncatedTo(ChronoUnit.MINUTES)));
        Instant start = Instant.now();
        Flux.range(0, 10).concatMap(i -> put(table, "after-" + i)).blockLast();

        List<ChangeRecord> records = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                        .streamsClient(dynamoDb.streamsAsyncClient())
                        .dynamoDbClient(client)
                        .tableName(table)
                        .startPosition(StartPosition.atTimestamp(start))
                        .creationTimePrecision(Duration.ofMinutes(1))
                        .build())
                .receive()
                .doOnNext(r -> r.checkpoint().acknowledge())
                .take(10).collectList().block(Duration.ofSeconds(30));
        assertThat(records).extracting(r -> r.keys().get("pk").s())
                .containsExactlyElementsOf(IntStream.range(0, 10).mapToObj(i -> "after-" + i).collect(Collectors.toList()));
    }
}
