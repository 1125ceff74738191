package io.github.ddbstreams.sink.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.testkit.EmbeddedOpenSearch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Measures the sink's throughput on this machine (logged, not asserted): 50,000 pre-built INSERT records of ~10
 * attributes, batches of 500, 4 batches in flight, against the embedded single-node OpenSearch (512 MB heap).
 * Run alone with {@code mvn -B -ntp -pl sinks/opensearch -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=OpenSearchSinkThroughputIntegrationTest -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
class OpenSearchSinkThroughputIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(OpenSearchSinkThroughputIntegrationTest.class);
    private static final int RECORDS = 50_000;
    private static final int BATCH = 500;
    private static final int CONCURRENCY = 4;

    private static EmbeddedOpenSearch openSearch;

    @BeforeAll
    static void startServer() {
        openSearch = EmbeddedOpenSearch.start();
    }

    @AfterAll
    static void stopServer() {
        if (openSearch != null) {
            openSearch.close();
        }
    }

    private static List<RecordBatch> batches(int count, String sequencePrefix) {
        List<RecordBatch> batches = new ArrayList<>();
        List<ChangeRecord> records = new ArrayList<>(BATCH);
        for (int i = 0; i < count; i++) {
            Map<String, AttributeValue> item = new LinkedHashMap<>();
            item.put("pk", AttributeValue.fromS("item-" + i));
            item.put("name", AttributeValue.fromS("name of item " + i));
            item.put("price", AttributeValue.fromN(Integer.toString(i % 10_000)));
            item.put("ratio", AttributeValue.fromN("0." + (i % 97)));
            item.put("active", AttributeValue.fromBool(i % 2 == 0));
            item.put("tags", AttributeValue.fromSs(List.of("a" + i % 7, "b" + i % 11)));
            item.put("address", AttributeValue.fromM(Map.of("city", AttributeValue.fromS("city-" + i % 50),
                    "zip", AttributeValue.fromS(String.format("%05d", i % 99_999)))));
            item.put("lines", AttributeValue.fromL(List.of(AttributeValue.fromS("line one"), AttributeValue.fromS("line two"))));
            records.add(ChangeRecord.builder().eventName(EventName.INSERT).keys(Map.of("pk", item.get("pk")))
                    .newImage(item).sequenceNumber(sequencePrefix + String.format("%012d", i)).shardId("shardId-1")
                    .build());
            if (records.size() == BATCH) {
                batches.add(RecordBatch.of(records));
                records = new ArrayList<>(BATCH);
            }
        }
        if (!records.isEmpty()) {
            batches.add(RecordBatch.of(records));
        }
        return batches;
    }

    private static double measure(OpenSearchVersioning versioning, String index) {
        OpenSearchSink sink = OpenSearchSink.create(OpenSearchSinkOptions.builder().endpoint(openSearch.endpoint())
                .index(index).versioning(versioning).maxConcurrentRequests(CONCURRENCY).build());
        try {
            // warm-up: JIT, the script's compilation, the index's creation and mapping
            Flux.fromIterable(batches(5_000, "1000000000000000")).flatMap(sink::write, CONCURRENCY)
                    .blockLast(Duration.ofMinutes(2));
            List<RecordBatch> batches = batches(RECORDS, "2000000000000000"); // 28 digits, beyond a long
            long start = System.nanoTime();
            List<BatchResult> results = Flux.fromIterable(batches).flatMap(sink::write, CONCURRENCY)
                    .collectList().block(Duration.ofMinutes(5));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(results).allSatisfy(result -> assertThat(result.failures()).isEmpty());
            double perSecond = RECORDS / seconds;
            log.info("OpenSearchSink throughput, versioning {}: {} docs in {} s = {} docs/s (batch {}, concurrency {})",
                    versioning, RECORDS, String.format("%.2f", seconds), String.format("%.0f", perSecond), BATCH, CONCURRENCY);
            return perSecond;
        } finally {
            sink.disposeLater().block(Duration.ofSeconds(30));
        }
    }

    @Test
    void write_50000RecordsInBatchesOf500WithConcurrency4_logsDocsPerSecond() {
        double versioned = measure(OpenSearchVersioning.SEQUENCE_NUMBER, "throughput-versioned");
        double plain = measure(OpenSearchVersioning.NONE, "throughput-plain");
        assertThat(versioned).isPositive();
        assertThat(plain).isPositive();
    }
}
