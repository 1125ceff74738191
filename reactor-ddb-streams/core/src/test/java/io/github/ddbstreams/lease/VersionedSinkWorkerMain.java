package io.github.ddbstreams.lease;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.github.ddbstreams.operators.parallel.KeyedParallelism;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StartPosition;
import io.github.ddbstreams.record.ChangeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * One worker process of {@link MultiProcessLeaseIntegrationTest}: a receiver in lease mode on the source table
 * that applies every record to a <b>versioned sink</b> and then acknowledges it, with
 * {@link KeyedParallelism} (8 records at a time, per key one at a time in stream order).
 *
 * <p>The versioned sink is a table on the same DynamoDB Local holding, per key, the highest version applied
 * ({@code v}), how many writes were applied to the key ({@code applies}) and by whom. A record is applied only if
 * its version is higher than the stored one, with a transaction that updates the sink item (conditional on the
 * {@code applies} count read just before, so two workers racing on a key retry instead of overwriting) and appends
 * the row {@code (key, "A" + applies)} to the log table with the version, worker, time, sequence number and shard. A
 * record whose version is not higher is refused and appended as {@code (key, "R" + worker + …)}. So the log holds
 * every write attempt, and the applied ones in the exact order the sink applied them.
 *
 * <p>Arguments: endpoint, worker id, source table, lease table, sink table, log table, failover time in ms.
 * Exits with 2 if the receiver's Flux fails.
 */
public final class VersionedSinkWorkerMain {

    private static final Logger log = LoggerFactory.getLogger(VersionedSinkWorkerMain.class);

    private final String workerId;
    private final String sinkTable;
    private final String logTable;
    private final DynamoDbAsyncClient client;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    private VersionedSinkWorkerMain(String workerId, String sinkTable, String logTable, DynamoDbAsyncClient client) {
        this.workerId = workerId;
        this.sinkTable = sinkTable;
        this.logTable = logTable;
        this.client = client;
    }

    /** Runs the worker until it is killed or its receiver fails; see the class documentation for arguments. */
    public static void main(String[] args) {
        if (args.length != 7) {
            throw new IllegalArgumentException("Expected 7 arguments (endpoint, workerId, sourceTable, leaseTable,"
                    + " sinkTable, logTable, failoverMillis), got " + List.of(args));
        }
        URI endpoint = URI.create(args[0]);
        String workerId = args[1];
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("dummy", "dummy"));
        DynamoDbAsyncClient dynamoDb = DynamoDbAsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials).build();
        DynamoDbStreamsAsyncClient streams = DynamoDbStreamsAsyncClient.builder().endpointOverride(endpoint)
                .region(Region.US_EAST_1).credentialsProvider(credentials).build();
        VersionedSinkWorkerMain worker = new VersionedSinkWorkerMain(workerId, args[4], args[5], dynamoDb);
        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(streams)
                .dynamoDbClient(dynamoDb)
                .tableName(args[2])
                .startPosition(StartPosition.trimHorizon())
                .pollInterval(Duration.ofMillis(50))
                .commitInterval(Duration.ofMillis(500))
                .shardDiscoveryInterval(Duration.ofSeconds(2))
                .leases(LeaseOptions.builder()
                        .client(dynamoDb)
                        .tableName(args[3])
                        .workerId(workerId)
                        .failoverTime(Duration.ofMillis(Long.parseLong(args[6])))
                        .takeInterval(Duration.ofMillis(500))
                        .build())
                .build());
        log.info("Worker {} (pid {}) starting", workerId, ProcessHandle.current().pid());
        try {
            receiver.receive()
                    // 8 records at a time, one at a time and in stream order per key; acknowledged once applied
                    .transform(KeyedParallelism.process(8, worker::apply))
                    .blockLast();
            log.info("Worker {} completed: {} applied, {} refused", workerId, worker.applied, worker.refused);
        } catch (RuntimeException e) {
            log.error("Worker {} failed: {} applied, {} refused", workerId, worker.applied, worker.refused, e);
            System.exit(2);
        }
    }

    /** Applies one record to the versioned sink (or refuses it as stale); completes once logged. */
    private Mono<Boolean> apply(ChangeRecord record) {
        AttributeValue pk = record.keys().get("pk");
        AttributeValue version = record.newImage().get("v");
        if (pk == null || pk.s() == null || version == null || version.n() == null) {
            return Mono.error(new IllegalArgumentException("Record " + record.sequenceNumber()
                    + " has no string key 'pk' or no number attribute 'v' in its new image"));
        }
        long v = Long.parseLong(version.n());
        return Mono.fromFuture(() -> client.getItem(b -> b.tableName(sinkTable).consistentRead(true)
                        .key(Map.of("pk", pk))))
                .flatMap(current -> {
                    Map<String, AttributeValue> item = current.item();
                    long stored = item.containsKey("v") ? Long.parseLong(item.get("v").n()) : -1;
                    long applies = item.containsKey("applies") ? Long.parseLong(item.get("applies").n()) : 0;
                    if (stored >= v) {
                        return refuse(record, pk, v, stored);
                    }
                    return write(record, pk, v, applies);
                })
                // another worker applied a write to this key between the read and the transaction: read again
                .onErrorResume(TransactionCanceledException.class, conflict -> apply(record))
                .doOnNext(wasApplied -> {
                    long total = (wasApplied ? applied : refused).incrementAndGet();
                    if (total % 500 == 0) {
                        log.info("Worker {}: {} applied, {} refused", workerId, applied, refused);
                    }
                });
    }

    private Mono<Boolean> write(ChangeRecord record, AttributeValue pk, long v, long applies) {
        long next = applies + 1;
        Update update = Update.builder().tableName(sinkTable).key(Map.of("pk", pk))
                .updateExpression("SET v = :v, applies = :next, worker = :w")
                .conditionExpression(applies == 0 ? "attribute_not_exists(pk)" : "applies = :applies")
                .expressionAttributeValues(applies == 0
                        ? Map.of(":v", number(v), ":next", number(next), ":w", AttributeValue.fromS(workerId))
                        : Map.of(":v", number(v), ":next", number(next), ":w", AttributeValue.fromS(workerId),
                                ":applies", number(applies)))
                .build();
        Put row = Put.builder().tableName(logTable)
                .item(logRow(record, pk, String.format("A%010d", next), v))
                .conditionExpression("attribute_not_exists(pk)")
                .build();
        return Mono.fromFuture(() -> client.transactWriteItems(b -> b.transactItems(
                        TransactWriteItem.builder().update(update).build(),
                        TransactWriteItem.builder().put(row).build())))
                .thenReturn(true);
    }

    private Mono<Boolean> refuse(ChangeRecord record, AttributeValue pk, long v, long stored) {
        Map<String, AttributeValue> row = logRow(record, pk,
                "R" + workerId + "#" + record.sequenceNumber() + "#" + System.nanoTime(), v);
        row.put("storedVersion", number(stored));
        return Mono.fromFuture(() -> client.putItem(b -> b.tableName(logTable).item(row))).thenReturn(false);
    }

    private Map<String, AttributeValue> logRow(ChangeRecord record, AttributeValue pk, String sortKey, long v) {
        Map<String, AttributeValue> row = new HashMap<>();
        row.put("pk", pk);
        row.put("sk", AttributeValue.fromS(sortKey));
        row.put("version", number(v));
        row.put("worker", AttributeValue.fromS(workerId));
        row.put("atMicros", number(ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now())));
        row.put("sequenceNumber", AttributeValue.fromS(record.sequenceNumber()));
        row.put("shardId", AttributeValue.fromS(record.shardId()));
        return row;
    }

    private static AttributeValue number(long n) {
        return AttributeValue.fromN(Long.toString(n));
    }
}
