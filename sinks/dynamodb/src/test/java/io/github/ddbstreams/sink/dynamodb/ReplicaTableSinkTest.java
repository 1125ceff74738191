package io.github.ddbstreams.sink.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;

class ReplicaTableSinkTest {

    private static int sequence = 100;

    private static ChangeRecord change(String key, EventName type) {
        Map<String, AttributeValue> keys = Map.of("pk", AttributeValue.fromS(key));
        int seq = sequence++;
        return ChangeRecord.builder().eventName(type).sequenceNumber(Integer.toString(seq)).keys(keys)
                .newImage(type == EventName.REMOVE ? Map.of() : Map.of("pk", keys.get("pk"),
                        "v", AttributeValue.fromN(Integer.toString(seq))))
                .shardId("shard-1").streamArn("arn:stream").build();
    }

    private static CompletableFuture<?> ok() {
        return CompletableFuture.completedFuture(PutItemResponse.builder().build());
    }

    private static ReplicaTableSink sink(FakeDynamoDbClient fake, VirtualTimeScheduler scheduler) {
        ReplicaTableSinkOptions.Builder options = ReplicaTableSinkOptions.builder().client(fake.client).tableName("replica");
        if (scheduler != null) {
            options.scheduler(scheduler);
        }
        return ReplicaTableSink.create(options.build());
    }

    private static String key(SdkRequest request) {
        return ((PutItemRequest) request).item().get("pk").s();
    }

    @Test
    void write_whenAKeyChangesSeveralTimesInABatch_writesOnlyItsLastChange() {
        FakeDynamoDbClient fake = new FakeDynamoDbClient(request -> ok());
        ChangeRecord a1 = change("a", EventName.INSERT);
        ChangeRecord b1 = change("b", EventName.INSERT);
        ChangeRecord a2 = change("a", EventName.MODIFY);
        ChangeRecord a3 = change("a", EventName.REMOVE);
        RecordBatch batch = RecordBatch.of(List.of(a1, b1, a2, a3));

        BatchResult result = sink(fake, null).write(batch).block(Duration.ofSeconds(5));

        assertThat(result.isSuccess()).isTrue();
        assertThat(fake.requests).hasSize(2);
        PutItemRequest tombstone = fake.requests.stream().map(PutItemRequest.class::cast)
                .filter(r -> key(r).equals("a")).findFirst().orElseThrow();
        assertThat(tombstone.item()).containsEntry("_ddbstreams_deleted", AttributeValue.fromBool(true))
                .containsEntry("_ddbstreams_seq", AttributeValue.fromS(SequenceNumberEncoding.encode(a3.sequenceNumber())));
    }

    @Test
    void write_whenOneItemsNumberKeyIsWrittenInDifferentForms_writesOnlyItsLastChange() {
        // DynamoDB reads 1, 1.0 and 10E-1 as one number: one item, so one write (of its last change)
        FakeDynamoDbClient fake = new FakeDynamoDbClient(request -> ok());
        ChangeRecord first = numberKeyed("1", 1);
        ChangeRecord second = numberKeyed("1.0", 2);
        ChangeRecord third = numberKeyed("10E-1", 3);
        ChangeRecord other = numberKeyed("2", 4);

        assertThat(ReplicaTableSink.latestPerKey(List.of(first, second, third, other))).containsExactly(third, other);

        BatchResult result = sink(fake, null).write(RecordBatch.of(List.of(first, second, third, other)))
                .block(Duration.ofSeconds(5));
        assertThat(result.isSuccess()).isTrue();
        assertThat(fake.requests).hasSize(2);
        assertThat(fake.requests.stream().map(r -> ((PutItemRequest) r).item().get("v").n()))
                .containsExactlyInAnyOrder("3", "4");
    }

    @Test
    void latestPerKey_whenKeyAttributesComeInAnyOrder_collapsesToOneItem_butNeverAcrossStreams() {
        Map<String, AttributeValue> forward = new LinkedHashMap<>();
        forward.put("pk", AttributeValue.fromS("a"));
        forward.put("sk", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2})));
        ByteBuffer buffer = ByteBuffer.wrap(new byte[] {0, 1, 2});
        buffer.position(1);
        Map<String, AttributeValue> backward = new LinkedHashMap<>();
        backward.put("sk", AttributeValue.fromB(SdkBytes.fromByteBuffer(buffer)));
        backward.put("pk", AttributeValue.fromS("a"));
        ChangeRecord first = change("x", EventName.MODIFY).toBuilder().keys(forward).build();
        ChangeRecord second = change("x", EventName.MODIFY).toBuilder().keys(backward).build();
        ChangeRecord otherStream = second.toBuilder().streamArn("arn:other-stream").build();

        assertThat(ReplicaTableSink.latestPerKey(List.of(first, second, otherStream))).containsExactly(second, otherStream);
    }

    private static ChangeRecord numberKeyed(String number, int version) {
        Map<String, AttributeValue> keys = Map.of("pk", AttributeValue.fromN(number));
        return ChangeRecord.builder().eventName(EventName.MODIFY).sequenceNumber(Integer.toString(sequence++)).keys(keys)
                .newImage(Map.of("pk", keys.get("pk"), "v", AttributeValue.fromN(Integer.toString(version))))
                .shardId("shard-1").streamArn("arn:stream").build();
    }

    @Test
    void write_whenTheConditionFails_countsTheRecordAsWritten() {
        FakeDynamoDbClient fake = new FakeDynamoDbClient(request -> CompletableFuture.failedFuture(
                ConditionalCheckFailedException.builder().message("The conditional request failed").build()));

        BatchResult result = sink(fake, null).write(RecordBatch.of(List.of(change("a", EventName.MODIFY))))
                .block(Duration.ofSeconds(5));

        assertThat(result.isSuccess()).isTrue();
        assertThat(fake.requests).hasSize(1);
    }

    @Test
    void write_whenTheTableRejectsOneItem_reportsOnlyThatRecord() {
        DynamoDbException tooLarge = (DynamoDbException) DynamoDbException.builder()
                .message("Item size has exceeded the maximum allowed size").statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ValidationException").build()).build();
        FakeDynamoDbClient fake = new FakeDynamoDbClient(request -> key(request).equals("big")
                ? CompletableFuture.failedFuture(tooLarge) : ok());
        ChangeRecord big = change("big", EventName.INSERT);
        RecordBatch batch = RecordBatch.of(List.of(change("a", EventName.INSERT), big, change("c", EventName.INSERT)));

        BatchResult result = sink(fake, null).write(batch).block(Duration.ofSeconds(5));

        assertThat(result.failures()).hasSize(1);
        assertThat(result.failures().get(0).record()).isSameAs(big);
        assertThat(result.failures().get(0).error()).isSameAs(tooLarge);
        assertThat(result.firstFailureIndex()).isEqualTo(1);
        assertThat(fake.requests).hasSize(3); // not retried by the sink: a validation error is not transient
    }

    @Test
    void write_whenThrottled_retriesWithBackoffOnTheOptionsScheduler() {
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
        AtomicInteger calls = new AtomicInteger();
        FakeDynamoDbClient fake = new FakeDynamoDbClient(request -> calls.incrementAndGet() <= 2
                ? CompletableFuture.failedFuture(ProvisionedThroughputExceededException.builder().message("slow down").build())
                : ok());
        ReplicaTableSink sink = sink(fake, scheduler);

        StepVerifier.withVirtualTime(() -> sink.write(RecordBatch.of(List.of(change("a", EventName.INSERT)))),
                        () -> scheduler, Long.MAX_VALUE)
                .expectSubscription()
                .then(() -> assertThat(calls.get()).isEqualTo(1))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(result -> assertThat(result.isSuccess()).isTrue())
                .verifyComplete();
        assertThat(calls.get()).isEqualTo(3);
    }

    @Test
    void write_whenUnreachableLongerThanTheRetries_reportsEveryRecordFailed() {
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
        FakeDynamoDbClient fake = new FakeDynamoDbClient(request -> CompletableFuture.failedFuture(
                SdkClientException.create("Unable to execute HTTP request: Connection refused")));
        ReplicaTableSink sink = sink(fake, scheduler);
        RecordBatch batch = RecordBatch.of(List.of(change("a", EventName.INSERT), change("b", EventName.INSERT)));

        StepVerifier.withVirtualTime(() -> sink.write(batch), () -> scheduler, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(1))
                .assertNext(result -> {
                    assertThat(result.failures()).hasSize(2);
                    assertThat(result.failures().get(0).error()).isInstanceOf(SdkClientException.class);
                })
                .verifyComplete();
        assertThat(fake.requests).hasSize(2 * (1 + ReplicaTableSinkOptions.DEFAULT_MAX_RETRIES));
    }

    @Test
    void write_neverHasMoreThanMaxConcurrencyItemsInFlight() {
        List<CompletableFuture<Object>> pending = new CopyOnWriteArrayList<>();
        FakeDynamoDbClient fake = new FakeDynamoDbClient(request -> {
            CompletableFuture<Object> future = new CompletableFuture<>();
            pending.add(future);
            return future;
        });
        ReplicaTableSink sink = ReplicaTableSink.create(ReplicaTableSinkOptions.builder().client(fake.client)
                .tableName("replica").maxConcurrency(3).build());
        List<ChangeRecord> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(change("k" + i, EventName.INSERT));
        }

        StepVerifier.create(sink.write(RecordBatch.of(records)))
                .then(() -> {
                    for (int completed = 0; completed < 10; completed++) {
                        assertThat(pending.size() - completed).isLessThanOrEqualTo(3);
                        pending.get(completed).complete(PutItemResponse.builder().build());
                    }
                })
                .assertNext(result -> assertThat(result.isSuccess()).isTrue())
                .verifyComplete();
        assertThat(fake.requests).hasSize(10);
    }

    @Test
    void disposeLater_waitsForWritesInFlightAndNeverClosesTheUsersClient() {
        CompletableFuture<Object> slow = new CompletableFuture<>();
        FakeDynamoDbClient fake = new FakeDynamoDbClient(request -> slow);
        ReplicaTableSink sink = sink(fake, null);
        Mono<BatchResult> write = sink.write(RecordBatch.of(List.of(change("a", EventName.INSERT)))).cache();
        write.subscribe();

        StepVerifier.create(sink.disposeLater())
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .then(() -> slow.complete(PutItemResponse.builder().build()))
                .verifyComplete();
        assertThat(write.block(Duration.ofSeconds(1)).isSuccess()).isTrue();
        assertThat(fake.closed).isFalse();
        StepVerifier.create(sink.write(RecordBatch.of(List.of(change("b", EventName.INSERT)))))
                .verifyErrorMatches(e -> e instanceof IllegalStateException && e.getMessage().contains("disposed"));
    }

    @Test
    void write_whenEmpty_succeedsWithoutCalls() {
        FakeDynamoDbClient fake = new FakeDynamoDbClient(request -> ok());
        assertThat(sink(fake, null).write(RecordBatch.of(List.of())).block().isSuccess()).isTrue();
        assertThat(fake.requests).isEmpty();
    }

    @Test
    void isTransient_throttlingServerAndIoErrorsOnly() {
        assertThat(ReplicaTableSink.isTransient(ProvisionedThroughputExceededException.builder().build())).isTrue();
        assertThat(ReplicaTableSink.isTransient(DynamoDbException.builder().statusCode(503).build())).isTrue();
        assertThat(ReplicaTableSink.isTransient(SdkClientException.create("io", new IOException("reset")))).isTrue();
        assertThat(ReplicaTableSink.isTransient(DynamoDbException.builder().statusCode(400).build())).isFalse();
        assertThat(ReplicaTableSink.isTransient(ConditionalCheckFailedException.builder().build())).isFalse();
        assertThat(ReplicaTableSink.isTransient(new IllegalArgumentException())).isFalse();
    }

    @Test
    void isTransient_whenInterruptedOrNoIoCause_isNotTransient() {
        // an interrupted call (shutdown) or a client-side failure without an I/O cause (no credentials, a request
        // that cannot be marshalled) fails again on retry: the SDK itself does not retry these
        assertThat(ReplicaTableSink.isTransient(AbortedException.create("Thread was interrupted"))).isFalse();
        assertThat(ReplicaTableSink.isTransient(SdkClientException.create("Unable to load credentials from any of the "
                + "providers in the chain"))).isFalse();
        assertThat(ReplicaTableSink.isTransient(SdkClientException.create("Unable to execute HTTP request: reset",
                new IOException("Connection reset")))).isTrue();
    }
}
