package io.github.ddbstreams.operators.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.ddbstreams.operators.errors.FailedRecord.Reason;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/** {@link FailureReplay} over failures an {@link ErrorHandling} stored in a {@link DynamoDbFailureDestination}, on DynamoDB Local. */
class FailureReplayIntegrationTest {

    private static final String STREAM = "arn:aws:dynamodb:ddblocal:000000000000:table/orders/stream/2026-12-04T00:00:00.000";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

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

    private static String name(TestInfo info) {
        return info.getTestMethod().orElseThrow().getName().replaceAll("[^a-zA-Z0-9]", "").substring(0, 20)
                + tables.incrementAndGet() + "-failures";
    }

    private static ChangeRecord record(String shardId, long sequence, boolean poison) {
        return ChangeRecord.builder()
                .eventId("event-" + shardId + "-" + sequence)
                .eventName(EventName.MODIFY)
                .awsRegion("eu-west-1")
                .keys(Map.of("pk", AttributeValue.fromS("item-" + sequence)))
                .oldImage(Map.of("pk", AttributeValue.fromS("item-" + sequence), "n", AttributeValue.fromN("1")))
                .newImage(Map.of("pk", AttributeValue.fromS("item-" + sequence), "n", AttributeValue.fromN("2"),
                        "poison", AttributeValue.fromBool(poison)))
                .sequenceNumber(Long.toString(1_000_000_000_000_000L + sequence))
                .sizeBytes(100 + sequence)
                .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)
                .approximateCreationTime(Instant.parse("2026-12-04T10:00:00Z").plusSeconds(sequence))
                .userIdentity(sequence == 3 ? Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build() : null)
                .shardId(shardId)
                .streamArn(STREAM)
                .build();
    }

    private static DynamoDbFailureDestination destination(String table) {
        return DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions.builder().client(client).tableName(table).build());
    }

    private static FailureReplayOptions.Builder replayOptions(String table) {
        return FailureReplayOptions.builder().client(client).tableName(table);
    }

    /** Runs ErrorHandling over the records; a record whose new image says poison fails while {@code poisonFails}. */
    private static Set<String> process(Flux<ChangeRecord> records, FailureDestination destination, boolean poisonFails) {
        Set<String> processed = ConcurrentHashMap.newKeySet();
        ErrorHandlingOptions options = ErrorHandlingOptions.builder()
                .bisectOnError(true).maxAttempts(1).retryBackoff(Duration.ofMillis(10))
                .maxRetryBackoff(Duration.ofMillis(20)).failureDestination(destination).build();
        records.buffer(5).map(RecordBatch::of)
                .transform(ErrorHandling.process(options, batch -> Mono.defer(() -> {
                    for (ChangeRecord record : batch.records()) {
                        if (poisonFails && record.newImage().get("poison").bool()) {
                            return Mono.error(new IllegalArgumentException("cannot index " + record.sequenceNumber()));
                        }
                    }
                    batch.records().forEach(r -> processed.add(r.shardId() + "/" + r.sequenceNumber()));
                    return Mono.just(BatchResult.success(batch));
                })))
                .blockLast(TIMEOUT);
        return processed;
    }

    private static Map<String, AttributeValue> item(String table, ChangeRecord record) {
        return client.getItem(r -> r.tableName(table).consistentRead(true).key(Map.of(
                DynamoDbFailureDestination.SHARD, AttributeValue.fromS(record.streamArn() + "#" + record.shardId()),
                DynamoDbFailureDestination.SEQUENCE_NUMBER,
                AttributeValue.fromS(DynamoDbFailureDestination.padded(record.sequenceNumber()))))).join().item();
    }

    @Test
    void replay_ofRecordsErrorHandlingGaveUp_reDrivesThemAsTheyWereAndMarksThemReplayedOnce(TestInfo info) {
        String table = name(info);
        DynamoDbFailureDestination destination = destination(table);
        List<ChangeRecord> records = new ArrayList<>();
        for (long i = 0; i < 10; i++) {
            records.add(record(i % 2 == 0 ? "shardId-a" : "shardId-b", i, i == 3 || i == 6));
        }
        Set<String> processed = process(Flux.fromIterable(records), destination, true);
        assertThat(processed).hasSize(8).doesNotContain("shardId-b/1000000000000003", "shardId-a/1000000000000006");

        // the stored item carries Lambda's on-failure fields
        Map<String, AttributeValue> item = item(table, records.get(3));
        Map<String, AttributeValue> batchInfo = item.get(DynamoDbFailureDestination.DDB_STREAM_BATCH_INFO).m();
        assertThat(batchInfo.get("shardId").s()).isEqualTo("shardId-b");
        assertThat(batchInfo.get("startSequenceNumber").s()).isEqualTo("1000000000000003");
        assertThat(batchInfo.get("endSequenceNumber").s()).isEqualTo("1000000000000003");
        assertThat(batchInfo.get("approximateArrivalOfFirstRecord").s()).isEqualTo("2026-12-04T10:00:03Z");
        assertThat(batchInfo.get("approximateArrivalOfLastRecord").s()).isEqualTo("2026-12-04T10:00:03Z");
        assertThat(batchInfo.get("batchSize").n()).isEqualTo("1");
        assertThat(batchInfo.get("streamArn").s()).isEqualTo(STREAM);
        Map<String, AttributeValue> requestContext = item.get(DynamoDbFailureDestination.REQUEST_CONTEXT).m();
        assertThat(requestContext.get("condition").s()).isEqualTo("RetryAttemptsExhausted");
        assertThat(requestContext.get("approximateInvokeCount").n()).isEqualTo("1");
        assertThat(item.get(DynamoDbFailureDestination.VERSION).s()).isEqualTo("1.0");
        assertThat(item.get(DynamoDbFailureDestination.TIMESTAMP).s()).isEqualTo(item.get(DynamoDbFailureDestination.FAILED_AT).s());

        // read back exactly as the stream gave them
        FailureReplay replay = FailureReplay.create(replayOptions(table).build());
        List<StoredFailure> failures = replay.failures().collectList().block(TIMEOUT);
        assertThat(failures).extracting(StoredFailure::record).containsExactlyInAnyOrder(records.get(3), records.get(6));
        for (StoredFailure failure : failures) {
            ChangeRecord original = records.get(failure.record().sequenceNumber().endsWith("3") ? 3 : 6);
            assertSameRecord(failure.record(), original);
            assertThat(failure.reason()).isEqualTo(Reason.POISON_RECORD);
            assertThat(failure.errorType()).isEqualTo(IllegalArgumentException.class.getName());
            assertThat(failure.errorMessage()).isEqualTo("cannot index " + original.sequenceNumber());
            assertThat(failure.attempts()).isEqualTo(1);
            assertThat(failure.replayedAt()).isNull();
            assertThat(failure.replayCount()).isZero();
            assertThat(failure.record().checkpoint().isAcknowledged()).isFalse();
        }
        assertThat(replay.records().collectList().block(TIMEOUT)).hasSize(2); // reading marks nothing

        // the same pipeline, fixed, over the replay: ErrorHandling acknowledges, which marks them replayed
        Set<String> replayed = process(replay.records(), destination, false);
        assertThat(replayed).containsExactlyInAnyOrder("shardId-b/1000000000000003", "shardId-a/1000000000000006");
        await().atMost(TIMEOUT).untilAsserted(() -> {
            for (ChangeRecord record : List.of(records.get(3), records.get(6))) {
                Map<String, AttributeValue> marked = item(table, record);
                assertThat(marked).containsKey(DynamoDbFailureDestination.REPLAYED_AT);
                assertThat(marked.get(DynamoDbFailureDestination.REPLAY_COUNT).n()).isEqualTo("1");
            }
        });

        // not replayed twice by default; on demand they are, with their marks
        assertThat(replay.records().collectList().block(TIMEOUT)).isEmpty();
        List<StoredFailure> again = FailureReplay.create(replayOptions(table).includeReplayed(true).build())
                .failures().collectList().block(TIMEOUT);
        assertThat(again).hasSize(2).allSatisfy(f -> {
            assertThat(f.replayCount()).isEqualTo(1);
            assertThat(f.replayedAt()).isNotNull();
        });
        again.get(0).record().checkpoint().commit().block(TIMEOUT);
        assertThat(item(table, again.get(0).record()).get(DynamoDbFailureDestination.REPLAY_COUNT).n()).isEqualTo("2");
    }

    private static void assertSameRecord(ChangeRecord replayed, ChangeRecord original) {
        assertThat(replayed).isEqualTo(original);
        assertThat(replayed.eventVersion()).isEqualTo(original.eventVersion());
        assertThat(replayed.eventSource()).isEqualTo(original.eventSource());
        assertThat(replayed.awsRegion()).isEqualTo(original.awsRegion());
        assertThat(replayed.sizeBytes()).isEqualTo(original.sizeBytes());
        assertThat(replayed.streamViewType()).isEqualTo(original.streamViewType());
        assertThat(replayed.approximateCreationTime()).isEqualTo(original.approximateCreationTime());
        assertThat(replayed.userIdentity()).isEqualTo(original.userIdentity());
        // a DynamoDB map has no order: compare the JSON as trees
        assertThat(tree(replayed.toLambdaEventJson())).isEqualTo(tree(original.toLambdaEventJson()));
    }

    private static com.fasterxml.jackson.databind.JsonNode tree(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void replay_withFilters_readsOnlyTheFailuresOfThatShardReasonAndTimeWindow(TestInfo info) {
        String table = name(info);
        Instant t0 = Instant.parse("2026-12-04T08:00:00Z");
        List<FailedRecord> failures = List.of(
                new FailedRecord(record("shardId-a", 1, false), Reason.RETRIES_EXHAUSTED, new RuntimeException("x"), 3, t0, t0),
                new FailedRecord(record("shardId-a", 2, false), Reason.POISON_RECORD, new RuntimeException("x"), 3, t0,
                        t0.plus(Duration.ofHours(1))),
                new FailedRecord(record("shardId-b", 3, false), Reason.MAX_AGE_EXCEEDED, null, 0, null,
                        t0.plus(Duration.ofHours(2)).plusMillis(500)),
                new FailedRecord(record("shardId-b", 4, false), Reason.POISON_RECORD, new RuntimeException("x"), 3, t0,
                        t0.plus(Duration.ofHours(3))));
        destination(table).send(failures).block(TIMEOUT);

        assertThat(sequences(replayOptions(table).build())).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
        assertThat(sequences(replayOptions(table).shard(STREAM, "shardId-a").build())).containsExactly(1L, 2L);
        assertThat(sequences(replayOptions(table).shardId("shardId-b").build())).containsExactlyInAnyOrder(3L, 4L);
        assertThat(sequences(replayOptions(table).streamArn("arn:aws:dynamodb:other").build())).isEmpty();
        assertThat(sequences(replayOptions(table).reasons(Reason.POISON_RECORD).build())).containsExactlyInAnyOrder(2L, 4L);
        assertThat(sequences(replayOptions(table).reasons(Reason.POISON_RECORD, Reason.MAX_AGE_EXCEEDED).build()))
                .containsExactlyInAnyOrder(2L, 3L, 4L);
        // inclusive start, exclusive end, compared as instants (2 h 0.5 s is after 2 h)
        assertThat(sequences(replayOptions(table).failedBetween(t0.plus(Duration.ofHours(1)), t0.plus(Duration.ofHours(3))).build()))
                .containsExactlyInAnyOrder(2L, 3L);
        assertThat(sequences(replayOptions(table).failedAfter(t0.plus(Duration.ofHours(2))).build()))
                .containsExactlyInAnyOrder(3L, 4L);
        assertThat(sequences(replayOptions(table).shard(STREAM, "shardId-b").reasons(Reason.POISON_RECORD)
                .failedBefore(t0.plus(Duration.ofHours(4))).pageSize(1).build())).containsExactly(4L);

        Map<String, AttributeValue> maxAge = item(table, failures.get(2).record());
        assertThat(maxAge.get(DynamoDbFailureDestination.REQUEST_CONTEXT).m().get("condition").s()).isEqualTo("RecordAgeExceeded");
        assertThat(maxAge.get(DynamoDbFailureDestination.REQUEST_CONTEXT).m().get("approximateInvokeCount").n()).isEqualTo("0");
    }

    private static List<Long> sequences(FailureReplayOptions options) {
        return FailureReplay.create(options).records()
                .map(r -> Long.parseLong(r.sequenceNumber()) - 1_000_000_000_000_000L)
                .collectList().block(TIMEOUT);
    }

    @Test
    void replay_ofAnItemWrittenBeforeReplaySupport_rebuildsItsRecordWithDefaultsAndMarksIt(TestInfo info) {
        String table = name(info);
        // the destination creates the table on its first write: store one record, then delete it
        ChangeRecord probe = record("shardId-a", 9, false);
        destination(table).send(List.of(new FailedRecord(probe, Reason.RETRIES_EXHAUSTED, null, 1, null, Instant.now())))
                .block(TIMEOUT);
        client.deleteItem(r -> r.tableName(table).key(Map.of(
                DynamoDbFailureDestination.SHARD, AttributeValue.fromS(STREAM + "#shardId-a"),
                DynamoDbFailureDestination.SEQUENCE_NUMBER, AttributeValue.fromS(DynamoDbFailureDestination.padded(probe.sequenceNumber())))))
                .join();
        // exactly the attributes the destination wrote before this change
        Map<String, AttributeValue> old = new HashMap<>();
        old.put("shard", AttributeValue.fromS(STREAM + "#shardId-old"));
        old.put("sequenceNumber", AttributeValue.fromS(DynamoDbFailureDestination.padded("4200000000000000000000")));
        old.put("streamArn", AttributeValue.fromS(STREAM));
        old.put("shardId", AttributeValue.fromS("shardId-old"));
        old.put("eventId", AttributeValue.fromS("old-event"));
        old.put("eventName", AttributeValue.fromS("REMOVE"));
        old.put("approximateCreationTime", AttributeValue.fromS("2026-11-30T12:00:00Z"));
        old.put("reason", AttributeValue.fromS("RETRIES_EXHAUSTED"));
        old.put("errorType", AttributeValue.fromS("java.io.IOException"));
        old.put("errorMessage", AttributeValue.fromS("sink down"));
        old.put("attempts", AttributeValue.fromN("5"));
        old.put("firstAttemptAt", AttributeValue.fromS("2026-11-30T12:00:01Z"));
        old.put("failedAt", AttributeValue.fromS("2026-11-30T12:05:00.123Z"));
        old.put("keys", AttributeValue.fromM(Map.of("pk", AttributeValue.fromN("42"))));
        old.put("itemKey", AttributeValue.fromS("{\"pk\":42}"));
        old.put("payloadFormat", AttributeValue.fromS("IMAGES"));
        old.put("oldImage", AttributeValue.fromM(Map.of("pk", AttributeValue.fromN("42"), "name", AttributeValue.fromS("gone"))));
        client.putItem(r -> r.tableName(table).item(old)).join();

        FailureReplay replay = FailureReplay.create(replayOptions(table).build());
        StoredFailure failure = replay.failures().single().block(TIMEOUT);
        ChangeRecord record = failure.record();
        assertThat(record.eventId()).isEqualTo("old-event");
        assertThat(record.eventName()).isEqualTo(EventName.REMOVE);
        assertThat(record.sequenceNumber()).isEqualTo("4200000000000000000000");
        assertThat(record.shardId()).isEqualTo("shardId-old");
        assertThat(record.streamArn()).isEqualTo(STREAM);
        assertThat(record.keys()).isEqualTo(Map.of("pk", AttributeValue.fromN("42")));
        assertThat(record.oldImage()).containsEntry("name", AttributeValue.fromS("gone"));
        assertThat(record.newImage()).isEmpty();
        assertThat(record.approximateCreationTime()).isEqualTo(Instant.parse("2026-11-30T12:00:00Z"));
        assertThat(record.eventVersion()).isEqualTo("1.1");
        assertThat(record.eventSource()).isEqualTo("aws:dynamodb");
        assertThat(record.sizeBytes()).isZero();
        assertThat(failure.attempts()).isEqualTo(5);
        assertThat(failure.failedAt()).isEqualTo(Instant.parse("2026-11-30T12:05:00.123Z"));
        assertThat(failure.firstAttemptAt()).isEqualTo(Instant.parse("2026-11-30T12:00:01Z"));

        record.checkpoint().commit().block(TIMEOUT);
        assertThat(replay.records().collectList().block(TIMEOUT)).isEmpty();
        assertThat(item(table, record).get(DynamoDbFailureDestination.REPLAY_COUNT).n()).isEqualTo("1");
    }

    @Test
    void replay_ofARecordTooLargeForItsImages_rebuildsItFromTheCompressedLambdaEvent(TestInfo info) {
        String table = name(info);
        ChangeRecord large = record("shardId-a", 5, true).toBuilder()
                .newImage(Map.of("pk", AttributeValue.fromS("item-5"), "poison", AttributeValue.fromBool(true),
                        "text", AttributeValue.fromS("x".repeat(300_000)),
                        "bytes", AttributeValue.fromB(software.amazon.awssdk.core.SdkBytes.fromByteArray(new byte[120_000])),
                        "list", AttributeValue.fromL(List.of(AttributeValue.fromNs(List.of("1", "2.5")),
                                AttributeValue.fromSs(List.of("a", "b")), AttributeValue.fromNul(true)))))
                .approximateCreationTime(Instant.parse("2026-12-04T10:00:05.250Z"))
                .build();
        process(Flux.just(large), destination(table), true);
        assertThat(item(table, large).get(DynamoDbFailureDestination.PAYLOAD_FORMAT).s())
                .isEqualTo(DynamoDbFailureDestination.FORMAT_LAMBDA_EVENT_GZIP);

        ChangeRecord replayed = FailureReplay.create(replayOptions(table).build()).records().single().block(TIMEOUT);
        assertSameRecord(replayed, large);
    }

    @Test
    void replay_whenTheRecordFailsAgain_leavesItsNewFailureUnreplayed(TestInfo info) {
        String table = name(info);
        DynamoDbFailureDestination destination = destination(table);
        ChangeRecord poison = record("shardId-a", 7, true);
        process(Flux.just(poison), destination, true);
        String firstFailedAt = item(table, poison).get(DynamoDbFailureDestination.FAILED_AT).s();

        FailureReplay replay = FailureReplay.create(replayOptions(table).build());
        List<ChangeRecord> acknowledged = new ArrayList<>();
        process(replay.records().doOnNext(acknowledged::add), destination, true); // still broken
        assertThat(acknowledged).hasSize(1);
        acknowledged.get(0).checkpoint().commit().block(TIMEOUT); // the mark ErrorHandling started is done

        Map<String, AttributeValue> item = item(table, poison);
        assertThat(item.get(DynamoDbFailureDestination.FAILED_AT).s()).isNotEqualTo(firstFailedAt);
        assertThat(item).doesNotContainKey(DynamoDbFailureDestination.REPLAYED_AT);
        assertThat(replay.records().collectList().block(TIMEOUT)).containsExactly(poison);
    }
}
