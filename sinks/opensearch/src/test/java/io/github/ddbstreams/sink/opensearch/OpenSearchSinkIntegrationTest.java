package io.github.ddbstreams.sink.opensearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.batch.Batching;
import io.github.ddbstreams.operators.errors.DynamoDbFailureDestination;
import io.github.ddbstreams.operators.errors.DynamoDbFailureDestinationOptions;
import io.github.ddbstreams.operators.errors.ErrorHandling;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.EmbeddedOpenSearch;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchAsyncClient;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.Refresh;
import org.opensearch.client.opensearch._types.mapping.Property;
import org.opensearch.client.opensearch.core.search.Hit;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * {@link OpenSearchSink} between a real DynamoDB Local stream ({@link DynamoDbStreamsReceiver}, {@link Batching},
 * {@link ErrorHandling}) and a real OpenSearch server; every test compares the index with the source table item
 * by item.
 */
class OpenSearchSinkIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(OpenSearchSinkIntegrationTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger names = new AtomicInteger();

    private static EmbeddedOpenSearch openSearch;
    private static EmbeddedDynamoDb dynamoDb;
    private static OpenSearchTransport transport;
    private static OpenSearchClient client;
    private static OpenSearchAsyncClient asyncClient;

    @BeforeAll
    static void startServers() {
        dynamoDb = EmbeddedDynamoDb.start();
        openSearch = EmbeddedOpenSearch.start();
        transport = ApacheHttpClient5TransportBuilder
                .builder(new HttpHost("http", EmbeddedOpenSearch.HOST, openSearch.port()))
                .setMapper(new JacksonJsonpMapper(new ObjectMapper()))
                .build();
        client = new OpenSearchClient(transport);
        asyncClient = new OpenSearchAsyncClient(transport);
    }

    @AfterAll
    static void stopServers() throws IOException {
        if (transport != null) {
            transport.close();
        }
        if (openSearch != null) {
            openSearch.close();
        }
        if (dynamoDb != null) {
            dynamoDb.close();
        }
    }

    private static String name(TestInfo info) {
        String method = info.getTestMethod().orElseThrow().getName().replaceAll("[^a-zA-Z0-9]", "").toLowerCase();
        return method.substring(0, Math.min(30, method.length())) + "-" + names.incrementAndGet();
    }

    // ---------------------------------------------------------------- the tests

    @Test
    void pipeline_with5000MixedChangesOver300Keys_endsEqualToTheTable_andAReplayFromTrimHorizonChangesNothing(TestInfo info) {
        String table = name(info);
        String index = table;
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        Set<String> keys = writeMixedChanges(table, 5_000, 300, 0, new Random(42));
        OpenSearchSink sink = OpenSearchSink.create(OpenSearchSinkOptions.builder()
                .endpoint(openSearch.endpoint()).index(index).maxBulkActions(200).build());
        ErrorHandlingOptions errors = ErrorHandlingOptions.builder().retryBackoff(Duration.ofMillis(50)).build();

        AtomicLong processed = new AtomicLong();
        long start = System.nanoTime();
        Disposable pipeline = pipeline(table, new InMemoryCheckpointStore(), errors, sink, processed);
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .untilAsserted(() -> assertIndexEqualsTable(table, index, keys));
        } finally {
            pipeline.dispose();
        }
        long records = processed.get();
        log.info("{} stream records of 5000 changes over 300 keys indexed in {} ms", records,
                Duration.ofNanos(System.nanoTime() - start).toMillis());
        assertThat(records).isGreaterThan(4_000);
        Map<String, Hit<Map>> before = allDocuments(index);

        // the replay: the same stream from TRIM_HORIZON with a fresh checkpoint store, every change older than the index
        AtomicLong replayed = new AtomicLong();
        Disposable replay = pipeline(table, new InMemoryCheckpointStore(), errors, sink, replayed);
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> replayed.get() >= records);
        } finally {
            replay.dispose();
        }
        sink.disposeLater().block(Duration.ofSeconds(30));

        assertThat(replayed.get()).isEqualTo(records);
        Map<String, Hit<Map>> after = allDocuments(index);
        assertThat(after.keySet()).isEqualTo(before.keySet());
        before.forEach((id, hit) -> {
            // noops do not even bump the document's version: nothing was rewritten
            assertThat(after.get(id).version()).as("version of %s", id).isEqualTo(hit.version());
            assertThat(after.get(id).source()).as("source of %s", id).isEqualTo(hit.source());
        });
        assertIndexEqualsTable(table, index, keys);
    }

    @Test
    void write_whenOlderChangesAreReplayedAfterNewerOnes_neverLetsAnOlderChangeWin_evenAfterADelete(TestInfo info) {
        String index = name(info);
        OpenSearchSink sink = OpenSearchSink.create(OpenSearchSinkOptions.builder()
                .client(asyncClient).index(index).refresh(Refresh.True).build());
        // AWS-sized sequence numbers: 28 digits, far beyond a long
        String base = "4421584500000000017450439";
        ChangeRecord insertA = change(EventName.INSERT, "a", base + "100", 1);
        ChangeRecord modifyA = change(EventName.MODIFY, "a", base + "200", 2);
        ChangeRecord insertB = change(EventName.INSERT, "b", base + "300", 1);
        ChangeRecord removeB = change(EventName.REMOVE, "b", base + "400", 0);
        ChangeRecord modifyC = change(EventName.MODIFY, "c", "9" + base + "000", 9); // 29 digits: newer than a 28-digit one
        ChangeRecord olderC = change(EventName.MODIFY, "c", base + "999", 8);

        assertWritten(sink, insertA, modifyA, insertB, removeB, modifyC);
        Map<String, Hit<Map>> before = allDocuments(index);
        assertThat(before.get("a").source()).containsEntry("version", 2);
        assertThat(before.get("b").source()).containsEntry(OpenSearchSink.DELETED_FIELD, true).doesNotContainKey("version");
        assertThat(before.get("c").source()).containsEntry("version", 9);

        // replays, in every order, one record per batch and all together
        assertWritten(sink, olderC, insertB, modifyA, insertA);
        assertWritten(sink, insertA);
        assertWritten(sink, insertB);
        assertWritten(sink, removeB, insertB);

        Map<String, Hit<Map>> after = allDocuments(index);
        assertThat(after.keySet()).containsExactlyInAnyOrder("a", "b", "c");
        after.forEach((id, hit) -> assertThat(hit.version()).as(id).isEqualTo(before.get(id).version()));
        assertThat(after.get("a").source()).isEqualTo(before.get("a").source());
        assertThat(after.get("b").source()).isEqualTo(before.get("b").source());
        assertThat(after.get("c").source()).isEqualTo(before.get("c").source());
        assertThat((String) after.get("c").source().get(OpenSearchSink.SEQUENCE_NUMBER_FIELD)).hasSize(40);

        // a newer change still applies, and a newer INSERT revives a deleted item
        ChangeRecord reinsertB = change(EventName.INSERT, "b", base + "500", 5);
        assertWritten(sink, reinsertB);
        assertThat(allDocuments(index).get("b").source()).containsEntry("version", 5).doesNotContainKey(OpenSearchSink.DELETED_FIELD);
        sink.disposeLater().block(Duration.ofSeconds(10));
    }

    @Test
    void pipeline_whenOpenSearchIsKilledAndRestartedMidRun_losesNothing(TestInfo info) {
        String table = name(info);
        String index = table;
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        OpenSearchSink sink = OpenSearchSink.create(OpenSearchSinkOptions.builder()
                .endpoint(openSearch.endpoint()).index(index).maxRetries(2)
                .retryBackoff(Duration.ofMillis(50)).maxRetryBackoff(Duration.ofMillis(200)).build());
        ErrorHandlingOptions errors = ErrorHandlingOptions.builder().maxAttempts(Integer.MAX_VALUE)
                .retryBackoff(Duration.ofMillis(100)).maxRetryBackoff(Duration.ofSeconds(1)).build();
        AtomicLong processed = new AtomicLong();
        Disposable pipeline = pipeline(table, new InMemoryCheckpointStore(), errors, sink, processed);
        Set<String> keys = new HashSet<>();
        try {
            keys.addAll(writeMixedChanges(table, 1_000, 200, 0, new Random(7)));
            await().atMost(Duration.ofMinutes(1)).until(() -> processed.get() > 500);

            openSearch.kill();
            // the table keeps changing while OpenSearch is down
            keys.addAll(writeMixedChanges(table, 1_000, 200, 0, new Random(8)));
            openSearch.restart();
            keys.addAll(writeMixedChanges(table, 500, 200, 0, new Random(9)));

            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .untilAsserted(() -> assertIndexEqualsTable(table, index, keys));
        } finally {
            pipeline.dispose();
            sink.disposeLater().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void pipeline_whenTheServerRejectsARecord_reportsThatRecordAndItReachesTheFailureDestination(TestInfo info) throws IOException {
        String table = name(info);
        String index = table;
        String failureTable = table + "-failures";
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        client.indices().create(c -> c.index(index).mappings(m -> m.properties("price", Property.of(p -> p.long_(l -> l)))));
        DynamoDbAsyncClient dynamo = dynamoDb.dynamoDbAsyncClient();
        Flux.range(0, 30).concatMap(i -> Mono.fromFuture(() -> dynamo.putItem(r -> r.tableName(table).item(Map.of(
                        "pk", AttributeValue.fromS("item-" + i),
                        "price", i == 17 ? AttributeValue.fromS("not a number") : AttributeValue.fromN(Integer.toString(i)))))))
                .blockLast(Duration.ofSeconds(30));

        OpenSearchSink sink = OpenSearchSink.create(OpenSearchSinkOptions.builder().client(asyncClient).index(index).build());
        DynamoDbFailureDestination destination = DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions
                .builder().client(dynamo).tableName(failureTable).build());
        ErrorHandlingOptions errors = ErrorHandlingOptions.builder().maxAttempts(2).retryBackoff(Duration.ofMillis(10))
                .maxRetryBackoff(Duration.ofMillis(50)).failureDestination(destination).build();
        List<BatchResult> results = new ArrayList<>();
        List<BatchResult> sinkResults = new ArrayList<>();
        Disposable pipeline = DynamoDbStreamsReceiver.create(receiverOptions(table, new InMemoryCheckpointStore()))
                .receive()
                .transform(Batching.batches(BatchOptions.builder().maxRecords(100).maxWait(Duration.ofMillis(100)).build()))
                .transform(ErrorHandling.process(errors, batch -> sink.write(batch).doOnNext(sinkResults::add)))
                .subscribe(results::add);
        try {
            await().atMost(Duration.ofMinutes(1)).ignoreExceptions().untilAsserted(() -> {
                List<Map<String, AttributeValue>> failed = dynamo.scan(r -> r.tableName(failureTable)).join().items();
                assertThat(failed).hasSize(1);
                Map<String, AttributeValue> item = failed.get(0);
                assertThat(item.get(DynamoDbFailureDestination.KEYS).m()).isEqualTo(Map.of("pk", AttributeValue.fromS("item-17")));
                assertThat(item.get(DynamoDbFailureDestination.ERROR_TYPE).s()).isEqualTo(OpenSearchItemException.class.getName());
                assertThat(item.get(DynamoDbFailureDestination.ERROR_MESSAGE).s()).contains("status 400", "mapper_parsing_exception");
            });
            Set<String> keys = new HashSet<>();
            for (int i = 0; i < 30; i++) {
                keys.add("item-" + i);
            }
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertIndexEqualsTable(table, index, keys, Set.of("item-17")));
        } finally {
            pipeline.dispose();
        }
        // the sink reported exactly that record, as a 400 of its own, never the whole batch
        assertThat(sinkResults).flatExtracting(BatchResult::failures).isNotEmpty().allSatisfy(failure -> {
            assertThat(failure.record().keys().get("pk").s()).isEqualTo("item-17");
            assertThat(failure.error()).isInstanceOfSatisfying(OpenSearchItemException.class, e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.isRetryable()).isFalse();
            });
        });
        assertThat(results).flatExtracting(BatchResult::failures).hasSize(1);
    }

    // ---------------------------------------------------------------- helpers

    private static ReceiverOptions receiverOptions(String table, CheckpointStore store) {
        return ReceiverOptions.builder()
                .streamsClient(dynamoDb.streamsAsyncClient()).dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                .tableName(table).checkpointStore(store)
                .pollInterval(Duration.ofMillis(20)).commitInterval(Duration.ofMillis(200))
                .build();
    }

    private static Disposable pipeline(String table, CheckpointStore store, ErrorHandlingOptions errors,
            OpenSearchSink sink, AtomicLong processed) {
        return DynamoDbStreamsReceiver.create(receiverOptions(table, store)).receive()
                .transform(Batching.batches(BatchOptions.builder().maxRecords(500).maxWait(Duration.ofMillis(100)).build()))
                .transform(ErrorHandling.process(errors, sink::write))
                .subscribe(result -> processed.addAndGet(result.batch().size()),
                        error -> log.error("pipeline failed", error));
    }

    /** Puts and deletes at random; returns every key touched. Puts write every attribute type but sets of binaries. */
    private static Set<String> writeMixedChanges(String table, int changes, int keyCount, int keyOffset, Random random) {
        DynamoDbAsyncClient dynamo = dynamoDb.dynamoDbAsyncClient();
        List<Map<String, AttributeValue>> operations = new ArrayList<>(changes);
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < changes; i++) {
            String pk = "key-" + (keyOffset + random.nextInt(keyCount));
            keys.add(pk);
            operations.add(random.nextInt(100) < 20 ? Map.of("pk", AttributeValue.fromS(pk)) : randomItem(pk, i, random));
        }
        // one writer per key slice keeps each key's changes in order; the table is the truth either way
        Flux.fromIterable(operations)
                .groupBy(item -> Math.floorMod(item.get("pk").s().hashCode(), 8))
                .flatMap(group -> group.concatMap(item -> item.size() == 1
                        ? Mono.fromFuture(() -> dynamo.deleteItem(r -> r.tableName(table).key(item)))
                        : Mono.fromFuture(() -> dynamo.putItem(r -> r.tableName(table).item(item)))), 8)
                .blockLast(Duration.ofMinutes(2));
        return keys;
    }

    private static Map<String, AttributeValue> randomItem(String pk, int change, Random random) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("pk", AttributeValue.fromS(pk));
        item.put("name", AttributeValue.fromS("name-" + change + (random.nextBoolean() ? " with | pipe" : "")));
        item.put("price", AttributeValue.fromN(Integer.toString(random.nextInt(100_000))));
        item.put("ratio", AttributeValue.fromN(random.nextInt(1000) + "." + (1 + random.nextInt(3)) + "5"));
        item.put("active", AttributeValue.fromBool(random.nextBoolean()));
        if (random.nextBoolean()) {
            item.put("tags", AttributeValue.fromSs(List.of("t" + random.nextInt(5), "u" + random.nextInt(5))));
        }
        if (random.nextInt(4) == 0) {
            item.put("counts", AttributeValue.fromNs(List.of(Integer.toString(random.nextInt(10)), "10")));
        }
        if (random.nextInt(4) == 0) {
            item.put("blob", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {(byte) random.nextInt(), 1, 2})));
        }
        if (random.nextInt(5) == 0) {
            item.put("missing", AttributeValue.fromNul(true));
        }
        item.put("address", AttributeValue.fromM(Map.of(
                "city", AttributeValue.fromS("city-" + random.nextInt(20)),
                "lines", AttributeValue.fromL(List.of(AttributeValue.fromS("l1"), AttributeValue.fromS("l" + change))))));
        return item;
    }

    private static ChangeRecord change(EventName event, String pk, String sequenceNumber, int version) {
        Map<String, AttributeValue> keys = Map.of("pk", AttributeValue.fromS(pk));
        ChangeRecord.Builder builder = ChangeRecord.builder().eventName(event).keys(keys).sequenceNumber(sequenceNumber)
                .shardId("shardId-1").streamArn("arn:test");
        if (event != EventName.REMOVE) {
            builder.newImage(Map.of("pk", AttributeValue.fromS(pk), "version", AttributeValue.fromN(Integer.toString(version))));
        }
        return builder.build();
    }

    private static void assertWritten(OpenSearchSink sink, ChangeRecord... records) {
        BatchResult result = sink.write(RecordBatch.of(List.of(records))).block(Duration.ofSeconds(30));
        assertThat(result.failures()).extracting(f -> f.error().getMessage()).isEmpty();
    }

    @SuppressWarnings("rawtypes")
    private static Map<String, Hit<Map>> allDocuments(String index) {
        try {
            client.indices().refresh(r -> r.index(index));
            Map<String, Hit<Map>> documents = new HashMap<>();
            for (Hit<Map> hit : client.search(s -> s.index(index).size(10_000).version(true)
                    .query(q -> q.matchAll(m -> m)), Map.class).hits().hits()) {
                documents.put(hit.id(), hit);
            }
            return documents;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertIndexEqualsTable(String table, String index, Set<String> keys) {
        assertIndexEqualsTable(table, index, keys, Set.of());
    }

    /**
     * Every item of the table (full scan) has a live document with the same fields and values (plus the sequence
     * number field); every other key ever written has no live document (a tombstone or nothing).
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void assertIndexEqualsTable(String table, String index, Set<String> keys, Set<String> excluded) {
        Map<String, Map<String, AttributeValue>> items = new HashMap<>();
        dynamoDb.syncClient().scanPaginator(r -> r.tableName(table).consistentRead(true)).items()
                .forEach(item -> items.put(item.get("pk").s(), item));
        Map<String, Hit<Map>> documents = allDocuments(index);
        int live = 0;
        for (String key : keys) {
            Hit<Map> hit = documents.get(key);
            Map<String, AttributeValue> item = items.get(key);
            if (item == null || excluded.contains(key)) {
                if (hit != null) {
                    assertThat((Map<String, Object>) hit.source()).as("deleted item %s", key)
                            .containsEntry(OpenSearchSink.DELETED_FIELD, true)
                            .containsOnlyKeys(OpenSearchSink.DELETED_FIELD, OpenSearchSink.DELETED_AT_FIELD,
                                    OpenSearchSink.SEQUENCE_NUMBER_FIELD);
                }
                continue;
            }
            live++;
            assertThat(hit).as("document of %s", key).isNotNull();
            Map<String, Object> source = new LinkedHashMap<>((Map<String, Object>) hit.source());
            assertThat(source.remove(OpenSearchSink.SEQUENCE_NUMBER_FIELD)).as("sequence number of %s", key).isNotNull();
            assertThat(json(source)).as("document of %s", key).isEqualTo(json(OpenSearchDocuments.fromImage(item)));
        }
        assertThat(live).isEqualTo(items.size() - (int) excluded.stream().filter(items::containsKey).count());
    }

    private static JsonNode json(Map<String, Object> document) {
        try {
            return JSON.readTree(JSON.writeValueAsString(document));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
