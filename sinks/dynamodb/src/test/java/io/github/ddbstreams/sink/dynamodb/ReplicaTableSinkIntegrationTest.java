package io.github.ddbstreams.sink.dynamodb;

import static io.github.ddbstreams.sink.dynamodb.ReplicaTestSupport.chunks;
import static io.github.ddbstreams.sink.dynamodb.ReplicaTestSupport.createTargetTable;
import static io.github.ddbstreams.sink.dynamodb.ReplicaTestSupport.replicate;
import static io.github.ddbstreams.sink.dynamodb.ReplicaTestSupport.scan;
import static io.github.ddbstreams.sink.dynamodb.ReplicaTestSupport.visible;
import static io.github.ddbstreams.sink.dynamodb.ReplicaTestSupport.writeWorkload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.operators.errors.DynamoDbFailureDestination;
import io.github.ddbstreams.operators.errors.DynamoDbFailureDestinationOptions;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions;
import io.github.ddbstreams.operators.errors.FailedRecord;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The replica sink between two real DynamoDB Local servers, a source (with the stream) and a target standing for
 * another region: the replica ends equal to the source, replays change nothing, an outage loses nothing, and
 * rejected records reach the failure destination.
 */
class ReplicaTableSinkIntegrationTest {

    private static EmbeddedDynamoDb source;
    private static EmbeddedDynamoDb target;
    private static final AtomicInteger tables = new AtomicInteger();

    @BeforeAll
    static void startServers() {
        source = EmbeddedDynamoDb.start();
        target = EmbeddedDynamoDb.start();
    }

    @AfterAll
    static void stopServers() {
        source.close();
        target.close();
    }

    private static String name(TestInfo info) {
        String method = info.getTestMethod().orElseThrow().getName().replaceAll("[^a-zA-Z0-9]", "");
        return method.substring(0, Math.min(40, method.length())) + tables.incrementAndGet();
    }

    private static ErrorHandlingOptions.Builder errorHandling() {
        return ErrorHandlingOptions.builder().retryBackoff(Duration.ofMillis(50)).maxRetryBackoff(Duration.ofMillis(500));
    }

    private static Map<String, Map<String, AttributeValue>> sourceItems(String table) {
        return scan(source.syncClient(), table);
    }

    private static Map<String, Map<String, AttributeValue>> replicaItems(String table) {
        return visible(scan(target.syncClient(), table));
    }

    @Test
    void replicate_5000MixedChangesOver300Keys_replicaEqualsSourceAndReplaysChangeNothing(TestInfo info) {
        String table = name(info);
        source.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        createTargetTable(target, table, ScalarAttributeType.S);
        ReplicaTableSink sink = ReplicaTableSink.create(ReplicaTableSinkOptions.builder()
                .client(target.dynamoDbAsyncClient()).tableName(table).build());
        List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        AtomicLong processed = new AtomicLong();
        Disposable pipeline = replicate(source, table, new InMemoryCheckpointStore(), sink, errorHandling().build(),
                result -> {
                    received.addAll(result.batch().records());
                    processed.addAndGet(result.batch().size());
                });
        try {
            writeWorkload(source, table, 300, 5000, 1).block(Duration.ofMinutes(3));
            await().atMost(Duration.ofMinutes(2)).until(() -> processed.get() >= 5000);
            assertThat(processed.get()).isEqualTo(5000);
        } finally {
            pipeline.dispose();
        }
        Map<String, Map<String, AttributeValue>> expected = sourceItems(table);
        assertThat(expected).hasSizeBetween(100, 300);
        assertThat(replicaItems(table)).isEqualTo(expected);
        Map<String, Map<String, AttributeValue>> raw = scan(target.syncClient(), table);
        assertThat(raw).hasSize(300); // the keys removed last are tombstones

        // a stretch of older changes (the first half), replayed newest first: nothing changes
        List<ChangeRecord> firstHalf = new ArrayList<>(received.subList(0, 2500));
        Collections.reverse(firstHalf);
        Flux.fromIterable(chunks(firstHalf, 100))
                .concatMap(records -> sink.write(RecordBatch.of(records)))
                .doOnNext(result -> assertThat(result.isSuccess()).isTrue())
                .blockLast(Duration.ofMinutes(1));
        assertThat(scan(target.syncClient(), table)).isEqualTo(raw);

        // the whole stream re-read from TRIM_HORIZON with a fresh checkpoint store: nothing changes
        AtomicLong replayed = new AtomicLong();
        Disposable replay = replicate(source, table, new InMemoryCheckpointStore(), sink, errorHandling().build(),
                result -> replayed.addAndGet(result.batch().size()));
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> replayed.get() >= 5000);
        } finally {
            replay.dispose();
        }
        assertThat(scan(target.syncClient(), table)).isEqualTo(raw);
        sink.disposeLater().block(Duration.ofSeconds(10));
    }

    /** A client that, while {@code down}, fails every call: half before sending, half after (response lost). */
    private static DynamoDbAsyncClient flaky(DynamoDbAsyncClient real, AtomicBoolean down, AtomicInteger failed) {
        AtomicInteger calls = new AtomicInteger();
        return (DynamoDbAsyncClient) Proxy.newProxyInstance(ReplicaTableSinkIntegrationTest.class.getClassLoader(),
                new Class<?>[] {DynamoDbAsyncClient.class}, (proxy, method, args) -> {
                    boolean write = method.getName().equals("putItem") || method.getName().equals("deleteItem");
                    if (write && down.get()) {
                        failed.incrementAndGet();
                        SdkClientException refused = SdkClientException.create(
                                "Unable to execute HTTP request: Connection refused (injected)");
                        if (calls.incrementAndGet() % 2 == 0) {
                            return CompletableFuture.failedFuture(refused);
                        }
                        CompletableFuture<?> sent = (CompletableFuture<?>) method.invoke(real, args);
                        return sent.handle((response, error) -> {
                            throw SdkClientException.create("Read timed out (injected, the write may have applied)");
                        });
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void replicate_whenTargetUnreachableMidRun_losesNothingOnceBack(TestInfo info) {
        String table = name(info);
        source.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        createTargetTable(target, table, ScalarAttributeType.S);
        AtomicBoolean down = new AtomicBoolean();
        AtomicInteger failedCalls = new AtomicInteger();
        ReplicaTableSink sink = ReplicaTableSink.create(ReplicaTableSinkOptions.builder()
                .client(flaky(target.dynamoDbAsyncClient(), down, failedCalls)).tableName(table)
                .maxRetries(1).retryBackoff(Duration.ofMillis(10)).build());
        AtomicLong processed = new AtomicLong();
        Disposable pipeline = replicate(source, table, new InMemoryCheckpointStore(), sink,
                errorHandling().maxAttempts(Integer.MAX_VALUE).build(), result -> processed.addAndGet(result.batch().size()));
        try {
            Disposable writing = writeWorkload(source, table, 300, 3000, 2).subscribe();
            await().atMost(Duration.ofMinutes(1)).until(() -> processed.get() >= 500);
            down.set(true);
            await().atMost(Duration.ofSeconds(30)).until(() -> failedCalls.get() >= 50);
            long processedWhileDown = processed.get();
            await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
            assertThat(processed.get() - processedWhileDown).as("no batch completes while the target is down")
                    .isLessThanOrEqualTo(100);
            down.set(false);
            await().atMost(Duration.ofMinutes(2)).until(() -> writing.isDisposed() && processed.get() >= 3000);
            assertThat(processed.get()).isEqualTo(3000);
        } finally {
            pipeline.dispose();
        }
        assertThat(failedCalls.get()).isGreaterThanOrEqualTo(50);
        assertThat(replicaItems(table)).isEqualTo(sourceItems(table));
    }

    @Test
    void replicate_whenTargetRejectsARecord_reportsItAndStoresItInTheFailureDestination(TestInfo info) {
        String table = name(info);
        String failureTable = table + "-failures";
        source.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        createTargetTable(target, table, ScalarAttributeType.S);
        // key-7 becomes larger than DynamoDB's 400 KB item limit in the replica
        ItemTransformer inflateKey7 = (record, item) -> {
            if (!item.get("pk").s().equals("key-7") || item.size() == 1) {
                return item;
            }
            Map<String, AttributeValue> big = new HashMap<>(item);
            big.put("padding", AttributeValue.fromS("p".repeat(410 * 1024)));
            return big;
        };
        ReplicaTableSink sink = ReplicaTableSink.create(ReplicaTableSinkOptions.builder()
                .client(target.dynamoDbAsyncClient()).tableName(table).itemTransformer(inflateKey7).build());
        DynamoDbFailureDestination destination = DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions
                .builder().client(target.dynamoDbAsyncClient()).tableName(failureTable).build());
        List<BatchResult> results = new CopyOnWriteArrayList<>();
        AtomicLong processed = new AtomicLong();
        Disposable pipeline = replicate(source, table, new InMemoryCheckpointStore(), sink,
                errorHandling().maxAttempts(2).failureDestination(destination).build(), result -> {
                    results.add(result);
                    processed.addAndGet(result.batch().size());
                });
        try {
            writeWorkload(source, table, 50, 50, 3).block(Duration.ofMinutes(1)); // one INSERT per key
            await().atMost(Duration.ofMinutes(1)).until(() -> processed.get() >= 50);
        } finally {
            pipeline.dispose();
        }
        List<BatchResult.RecordFailure> failures = results.stream().flatMap(r -> r.failures().stream()).toList();
        assertThat(failures).hasSize(1);
        ChangeRecord rejected = failures.get(0).record();
        assertThat(rejected.keys().get("pk").s()).isEqualTo("key-7");

        Map<String, AttributeValue> stored = target.syncClient().getItem(r -> r.tableName(failureTable)
                .consistentRead(true).key(Map.of(
                        DynamoDbFailureDestination.SHARD, AttributeValue.fromS(rejected.streamArn() + "#" + rejected.shardId()),
                        DynamoDbFailureDestination.SEQUENCE_NUMBER,
                        AttributeValue.fromS("0".repeat(40 - rejected.sequenceNumber().length()) + rejected.sequenceNumber()))))
                .item();
        assertThat(stored.get(DynamoDbFailureDestination.REASON).s()).isEqualTo(FailedRecord.Reason.RETRIES_EXHAUSTED.name());
        assertThat(stored.get(DynamoDbFailureDestination.ERROR_MESSAGE).s()).contains("Item size");
        assertThat(stored.get(DynamoDbFailureDestination.KEYS).m()).isEqualTo(Map.of("pk", AttributeValue.fromS("key-7")));
        assertThat(stored.get(DynamoDbFailureDestination.NEW_IMAGE).m()).isEqualTo(rejected.newImage());

        Map<String, Map<String, AttributeValue>> expected = sourceItems(table);
        expected.remove("key-7");
        assertThat(replicaItems(table)).isEqualTo(expected).hasSize(49);
    }

    @Test
    void replicate_whenTargetKeyHasAnotherType_everyRecordReachesTheFailureDestination(TestInfo info) {
        String table = name(info);
        String failureTable = table + "-failures";
        source.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        createTargetTable(target, table, ScalarAttributeType.N); // source keys are strings
        ReplicaTableSink sink = ReplicaTableSink.create(ReplicaTableSinkOptions.builder()
                .client(target.dynamoDbAsyncClient()).tableName(table).build());
        DynamoDbFailureDestination destination = DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions
                .builder().client(target.dynamoDbAsyncClient()).tableName(failureTable).build());
        AtomicLong processed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Disposable pipeline = replicate(source, table, new InMemoryCheckpointStore(), sink,
                errorHandling().maxAttempts(1).failureDestination(destination).build(), result -> {
                    processed.addAndGet(result.batch().size());
                    failed.addAndGet(result.failures().size());
                });
        try {
            writeWorkload(source, table, 5, 5, 4).block(Duration.ofMinutes(1));
            await().atMost(Duration.ofMinutes(1)).until(() -> processed.get() >= 5);
        } finally {
            pipeline.dispose();
        }
        assertThat(failed.get()).isEqualTo(5);
        List<Map<String, AttributeValue>> stored = target.syncClient()
                .scan(r -> r.tableName(failureTable).consistentRead(true)).items();
        assertThat(stored).hasSize(5).allSatisfy(item ->
                assertThat(item.get(DynamoDbFailureDestination.ERROR_MESSAGE).s()).containsIgnoringCase("type mismatch"));
        assertThat(target.syncClient().scan(r -> r.tableName(table)).count()).isZero();
    }

    @Test
    void write_whenRemoveModeIsDelete_deletesAndAnOlderReplayResurrects(TestInfo info) {
        // documents the edge that makes TOMBSTONE the default
        String table = name(info);
        source.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        createTargetTable(target, table, ScalarAttributeType.S);
        ReplicaTableSink sink = ReplicaTableSink.create(ReplicaTableSinkOptions.builder()
                .client(target.dynamoDbAsyncClient()).tableName(table).removeMode(RemoveMode.DELETE).build());
        Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("k"));
        ChangeRecord insert = ChangeRecord.builder().eventName(io.github.ddbstreams.record.EventName.INSERT)
                .sequenceNumber("100").keys(key).newImage(Map.of("pk", key.get("pk"), "v", AttributeValue.fromN("1")))
                .shardId("s").streamArn("arn").build();
        ChangeRecord remove = insert.toBuilder().eventName(io.github.ddbstreams.record.EventName.REMOVE)
                .sequenceNumber("200").newImage(Map.of()).build();

        sink.write(RecordBatch.of(List.of(insert))).block();
        sink.write(RecordBatch.of(List.of(remove))).block();
        assertThat(scan(target.syncClient(), table)).isEmpty();
        sink.write(RecordBatch.of(List.of(insert))).block(); // replayed older INSERT
        assertThat(replicaItems(table)).containsOnlyKeys("k");
    }
}
