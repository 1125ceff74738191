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
import io.github.ddbstreams.sink.dynamodb.ReplicaTableSink;
import io.github.ddbstreams.sink.dynamodb.ReplicaTableSinkOptions;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import reactor.core.Disposable;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Use case 2 of the seed guide, cross-region replication: the {@code Orders} table of one DynamoDB (the
 * "primary region") is replicated into a table of another DynamoDB (the "replica region"), reached through a
 * second client, by {@link ReplicaTableSink}. Writes are conditional on the change's sequence number, so a
 * replayed older change never overwrites a newer one, and deletes leave tombstones. The check: once the stream
 * is consumed, the replica equals the source item by item (tombstones and the sink's hidden attributes left
 * out).
 *
 * <p>Run it with {@code mvn -q -Pdemo -DskipTests package -pl samples -am
 * -Ddemo.mainClass=io.github.ddbstreams.samples.CrossRegionReplication}.
 */
public final class CrossRegionReplication {

    private static final String TABLE = "Orders";
    private static final int OPERATIONS = 1_500;

    private CrossRegionReplication() {
    }

    public static void main(String[] args) {
        boolean passed;
        try (EmbeddedDynamoDb primary = EmbeddedDynamoDb.start(); EmbeddedDynamoDb replica = EmbeddedDynamoDb.start()) {
            passed = run(primary, replica);
        }
        System.exit(passed ? 0 : 1);
    }

    /** Replicates a workload from {@code primary} into {@code replicaRegion}; returns whether the check passed. */
    public static boolean run(EmbeddedDynamoDb primary, EmbeddedDynamoDb replicaRegion) {
        primary.createTableWithStream(TABLE, StreamViewType.NEW_AND_OLD_IMAGES);
        replicaRegion.createTableWithStream(TABLE, StreamViewType.KEYS_ONLY);
        ReplicaTableSink sink = ReplicaTableSink.create(ReplicaTableSinkOptions.builder()
                .client(replicaRegion.dynamoDbAsyncClient())        // the second region's client
                .tableName(TABLE)
                .build());
        AtomicLong replicated = new AtomicLong();
        Disposable pipeline = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                        .streamsClient(primary.streamsAsyncClient())
                        .dynamoDbClient(primary.dynamoDbAsyncClient())
                        .tableName(TABLE)
                        .pollInterval(Duration.ofMillis(50))
                        .build())
                .receive()
                .transform(Batching.batches(BatchOptions.builder().maxRecords(100).maxWait(Duration.ofMillis(100)).build()))
                .transform(ErrorHandling.process(ErrorHandlingOptions.builder().build(), sink::write))
                .subscribe(result -> replicated.addAndGet(result.batch().size()));
        Map<EventName, Long> written = new EnumMap<>(EventName.class);
        try {
            SampleSupport.writeWorkload(primary.dynamoDbAsyncClient(), TABLE, OPERATIONS, 200, Duration.ofMillis(2), written)
                    .block(Duration.ofMinutes(2));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (replicated.get() < OPERATIONS && System.nanoTime() < deadline) {
                SampleSupport.sleepQuietly(100);
            }
        } finally {
            pipeline.dispose();
            sink.disposeLater().block(Duration.ofSeconds(30));
        }
        Map<String, Map<String, Object>> source = SampleSupport.scan(primary.syncClient(), TABLE, false);
        Map<String, Map<String, Object>> copy = SampleSupport.scan(replicaRegion.syncClient(), TABLE, true);
        boolean passed = replicated.get() >= OPERATIONS && SampleSupport.equalItems(source, copy);
        System.out.printf("Cross-region replication: %s changes written, %d replicated, %d items in the source, "
                + "%d in the replica region: %s%n", written, replicated.get(), source.size(), copy.size(),
                passed ? "PASS" : "FAIL");
        return passed;
    }
}
