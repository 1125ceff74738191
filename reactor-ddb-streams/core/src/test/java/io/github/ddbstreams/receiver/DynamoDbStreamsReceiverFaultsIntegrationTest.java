package io.github.ddbstreams.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.FaultInjector;
import io.github.ddbstreams.testkit.FaultKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/** The receiver against a real server whose GetRecords calls are throttled, fail, expire, slow down or drop. */
class DynamoDbStreamsReceiverFaultsIntegrationTest {

    private static EmbeddedDynamoDb dynamoDb;

    @BeforeAll
    static void start() {
        dynamoDb = EmbeddedDynamoDb.start();
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
    }

    @Test
    void receive_whenGetRecordsIsThrottledFailsExpiresAndDrops_deliversEveryRecordOnceInOrder() {
        String table = "faulty";
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        FaultInjector faults = FaultInjector.create(8L);
        faults.inject(FaultKind.THROTTLE).on("GetRecords").withProbability(0.08);
        faults.inject(FaultKind.SERVER_ERROR).on("GetRecords").withProbability(0.05);
        faults.inject(FaultKind.EXPIRED_ITERATOR).on("GetRecords").withProbability(0.05);
        faults.inject(FaultKind.DROPPED_CONNECTION).on("GetRecords").withProbability(0.05);
        faults.inject(FaultKind.LATENCY).latency(Duration.ofMillis(30)).on("GetRecords").withProbability(0.05);
        // and a few on the other calls of the receiver
        faults.inject(FaultKind.THROTTLE).on("GetShardIterator", "DescribeStream").times(2);
        List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        int writes = 1500;

        try (DynamoDbStreamsAsyncClient streams = dynamoDb.newStreamsAsyncClient(faults)) {
            Disposable reading = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                            .streamsClient(streams)
                            .dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                            .tableName(table)
                            .maxRecordsPerRequest(25) // many GetRecords calls, many faults
                            .pollInterval(Duration.ofMillis(10))
                            .retryBackoff(Duration.ofMillis(5))
                            .maxRetryBackoff(Duration.ofMillis(100))
                            .build())
                    .receive()
                    .subscribe(record -> {
                        received.add(record);
                        record.checkpoint().acknowledge();
                    });
            try {
                Flux.range(0, writes).concatMap(i -> Mono.fromFuture(() -> dynamoDb.dynamoDbAsyncClient()
                        .putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("k" + i),
                                "i", AttributeValue.fromN(Integer.toString(i))))))).blockLast();
                await().atMost(Duration.ofSeconds(90)).until(() -> received.size() >= writes);
                // nothing more arrives: no repeats
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> received.size() == writes);
            } finally {
                reading.dispose();
            }
        }

        assertThat(received.stream().map(r -> r.keys().get("pk").s()).collect(Collectors.toList()))
                .containsExactlyElementsOf(IntStream.range(0, writes).mapToObj(i -> "k" + i).toList());
        for (int i = 1; i < received.size(); i++) {
            assertThat(SequenceNumbers.compare(received.get(i - 1).sequenceNumber(), received.get(i).sequenceNumber()))
                    .isNegative();
        }
        Map<FaultKind, Long> injected = faults.injected();
        assertThat(injected.values()).allMatch(count -> count > 0);
        LoggerFactory.getLogger(getClass()).info("GetRecords calls: {}, faults injected: {}",
                faults.calls("GetRecords"), injected);
    }
}
