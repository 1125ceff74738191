package io.github.ddbstreams.samples;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.batch.Batching;
import io.github.ddbstreams.operators.errors.ErrorHandling;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.sink.opensearch.OpenSearchSink;
import io.github.ddbstreams.sink.opensearch.OpenSearchSinkOptions;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.EmbeddedOpenSearch;
import reactor.core.Disposable;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Use case 5 of the seed guide, OpenSearch sync: every change of the {@code Products} table is applied to an
 * OpenSearch index by {@link OpenSearchSink} (bulk requests; INSERT/MODIFY index the new image, REMOVE leaves a
 * tombstone; each write guarded by the change's sequence number so a replay never regresses a document). The
 * check: once the stream is consumed, the index's live documents equal the table item by item.
 *
 * <p>Run it with {@code mvn -q -Pdemo -DskipTests package -pl samples -am
 * -Ddemo.mainClass=io.github.ddbstreams.samples.OpenSearchSync}.
 */
public final class OpenSearchSync {

    private static final String TABLE = "Products";
    private static final String INDEX = "products";
    private static final int OPERATIONS = 1_500;

    private OpenSearchSync() {
    }

    public static void main(String[] args) {
        boolean passed;
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start(); EmbeddedOpenSearch openSearch = EmbeddedOpenSearch.start()) {
            passed = run(dynamoDb, openSearch);
        }
        System.exit(passed ? 0 : 1);
    }

    /** Syncs a workload into the index; returns whether the check passed. */
    public static boolean run(EmbeddedDynamoDb dynamoDb, EmbeddedOpenSearch openSearch) {
        dynamoDb.createTableWithStream(TABLE, StreamViewType.NEW_AND_OLD_IMAGES);
        OpenSearchSink sink = OpenSearchSink.create(OpenSearchSinkOptions.builder()
                .endpoint(openSearch.endpoint())
                .index(INDEX)
                .build());
        AtomicLong indexed = new AtomicLong();
        Disposable pipeline = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                        .streamsClient(dynamoDb.streamsAsyncClient())
                        .dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                        .tableName(TABLE)
                        .pollInterval(Duration.ofMillis(50))
                        .build())
                .receive()
                .transform(Batching.batches(BatchOptions.builder().maxRecords(500).maxWait(Duration.ofMillis(200)).build()))
                .transform(ErrorHandling.process(ErrorHandlingOptions.builder().build(), sink::write))
                .subscribe(result -> indexed.addAndGet(result.batch().size()));
        Map<EventName, Long> written = new EnumMap<>(EventName.class);
        try {
            SampleSupport.writeWorkload(dynamoDb.dynamoDbAsyncClient(), TABLE, OPERATIONS, 200, Duration.ofMillis(2), written)
                    .block(Duration.ofMinutes(2));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (indexed.get() < OPERATIONS && System.nanoTime() < deadline) {
                SampleSupport.sleepQuietly(100);
            }
        } finally {
            pipeline.dispose();
            sink.disposeLater().block(Duration.ofSeconds(30));
        }
        Map<String, Map<String, Object>> source = SampleSupport.scan(dynamoDb.syncClient(), TABLE, false);
        Map<String, Map<String, Object>> index = SampleSupport.searchLiveDocuments(openSearch.endpoint(), INDEX);
        boolean passed = indexed.get() >= OPERATIONS && SampleSupport.equalItems(source, index);
        System.out.printf("OpenSearch sync: %s changes written, %d indexed, %d items in the table, %d live documents: %s%n",
                written, indexed.get(), source.size(), index.size(), passed ? "PASS" : "FAIL");
        return passed;
    }
}
