package io.github.ddbstreams.sink.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * Measures (logs, does not assert) how many items per second the sink writes to a DynamoDB Local server on this
 * machine: 20,000 pre-built INSERT records of distinct keys (~300 B), batches of 100, 16 writes in flight per
 * batch, batches one at a time and four at a time; and, for scale, plain unconditional PutItem calls of the
 * same items.
 *
 * <pre>
 * mvn -B -ntp -pl sinks/dynamodb -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=ReplicaTableSinkThroughputIntegrationTest -Dfailsafe.failIfNoSpecifiedTests=false
 * </pre>
 */
class ReplicaTableSinkThroughputIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(ReplicaTableSinkThroughputIntegrationTest.class);
    private static final int RECORDS = 20_000;
    private static final int BATCH = 100;
    private static final int CONCURRENCY = 16;

    private static EmbeddedDynamoDb target;

    @BeforeAll
    static void startServer() {
        target = EmbeddedDynamoDb.start();
    }

    @AfterAll
    static void stopServer() {
        target.close();
    }

    private static List<RecordBatch> batches(String prefix, int count) {
        Random random = new Random(7);
        List<ChangeRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String key = prefix + "-" + i;
            Map<String, AttributeValue> image = ReplicaTestSupport.item(key, i, random);
            records.add(ChangeRecord.builder().eventName(EventName.INSERT).sequenceNumber(Long.toString(1_000_000L + i))
                    .keys(Map.of("pk", AttributeValue.fromS(key))).newImage(image)
                    .shardId("shardId-1").streamArn("arn:aws:dynamodb:test:stream/1").build());
        }
        List<RecordBatch> batches = new ArrayList<>();
        for (List<ChangeRecord> chunk : ReplicaTestSupport.chunks(records, BATCH)) {
            batches.add(RecordBatch.of(chunk));
        }
        return batches;
    }

    private static double run(String table, List<RecordBatch> batches, int batchesInFlight) {
        ReplicaTableSink sink = ReplicaTableSink.create(ReplicaTableSinkOptions.builder()
                .client(target.dynamoDbAsyncClient()).tableName(table).maxConcurrency(CONCURRENCY).build());
        long start = System.nanoTime();
        List<BatchResult> results = Flux.fromIterable(batches)
                .flatMap(sink::write, batchesInFlight)
                .collectList()
                .block(Duration.ofMinutes(5));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(results).allMatch(BatchResult::isSuccess);
        sink.disposeLater().block(Duration.ofSeconds(10));
        return batches.stream().mapToInt(RecordBatch::size).sum() / seconds;
    }

    /** Plain unconditional PutItem calls of the same items, 16 in flight: what the server itself allows. */
    private static double baseline(String table, List<RecordBatch> batches) {
        var client = target.dynamoDbAsyncClient();
        long start = System.nanoTime();
        Flux.fromIterable(batches).flatMapIterable(RecordBatch::records)
                .flatMap(r -> reactor.core.publisher.Mono.fromFuture(() -> client.putItem(p -> p.tableName(table)
                        .item(r.newImage()))), CONCURRENCY)
                .blockLast(Duration.ofMinutes(5));
        return RECORDS / ((System.nanoTime() - start) / 1e9);
    }

    @Test
    void write_20000RecordsInBatchesOf100_logsItemsPerSecond() {
        ReplicaTestSupport.createTargetTable(target, "throughput-warmup", ScalarAttributeType.S);
        run("throughput-warmup", batches("warm", 4_000), 4);

        ReplicaTestSupport.createTargetTable(target, "throughput-1", ScalarAttributeType.S);
        double oneAtATime = run("throughput-1", batches("a", RECORDS), 1);
        ReplicaTestSupport.createTargetTable(target, "throughput-4", ScalarAttributeType.S);
        double fourAtATime = run("throughput-4", batches("b", RECORDS), 4);

        ReplicaTestSupport.createTargetTable(target, "throughput-plain", ScalarAttributeType.S);
        double plain = baseline("throughput-plain", batches("c", RECORDS));

        log.info("ReplicaTableSink throughput to DynamoDB Local: {} items/s with 1 batch in flight, {} items/s with 4 "
                        + "({} records, batches of {}, maxConcurrency {}); plain unconditional PutItem, {} in flight: {} items/s",
                Math.round(oneAtATime), Math.round(fourAtATime), RECORDS, BATCH, CONCURRENCY, CONCURRENCY,
                Math.round(plain));
        assertThat(target.syncClient().scan(r -> r.tableName("throughput-4").select("COUNT")).count())
                .isPositive();
    }
}
