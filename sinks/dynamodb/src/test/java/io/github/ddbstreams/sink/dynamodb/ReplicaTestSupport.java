package io.github.ddbstreams.sink.dynamodb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.batch.Batching;
import io.github.ddbstreams.operators.errors.ErrorHandling;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Workloads, pipelines and table comparisons for the replica integration tests. */
final class ReplicaTestSupport {

    private ReplicaTestSupport() {
    }

    /** Creates a target table (no stream) with partition key {@code pk} of the given type. */
    static void createTargetTable(EmbeddedDynamoDb server, String table, ScalarAttributeType keyType) {
        server.createTable(CreateTableRequest.builder().tableName(table)
                .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(keyType).build())
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .billingMode(BillingMode.PAY_PER_REQUEST).build());
    }

    /** An item of every attribute type, different for each version. */
    static Map<String, AttributeValue> item(String key, int version, Random random) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(key));
        item.put("version", AttributeValue.fromN(Integer.toString(version)));
        item.put("price", AttributeValue.fromN(random.nextInt(10_000) + "." + random.nextInt(100)));
        item.put("name", AttributeValue.fromS("name-" + random.nextInt(1000) + "-" + "x".repeat(random.nextInt(50))));
        item.put("tags", AttributeValue.fromSs(List.of("t" + random.nextInt(5), "u" + random.nextInt(5))));
        item.put("scores", AttributeValue.fromNs(List.of(Integer.toString(random.nextInt(100)), "1000")));
        item.put("active", AttributeValue.fromBool(random.nextBoolean()));
        item.put("blob", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {(byte) version, 1, 2})));
        item.put("address", AttributeValue.fromM(Map.of("city", AttributeValue.fromS("c" + random.nextInt(20)),
                "zip", AttributeValue.fromN(Integer.toString(random.nextInt(99_999))))));
        item.put("lines", AttributeValue.fromL(List.of(AttributeValue.fromS("a"), AttributeValue.fromN("2"),
                AttributeValue.fromNul(true))));
        if (random.nextBoolean()) {
            item.put("optional", AttributeValue.fromS("present"));
        }
        return item;
    }

    /**
     * Writes {@code total} puts, updates and deletes spread over {@code keys} keys (each key's changes in
     * order, 16 keys at a time); every write changes the item, so each one makes exactly one stream record.
     */
    static Mono<Void> writeWorkload(EmbeddedDynamoDb server, String table, int keys, int total, long seed) {
        var client = server.dynamoDbAsyncClient();
        return Flux.range(0, keys)
                .flatMap(k -> {
                    String key = "key-" + k;
                    Random random = new Random(seed * 31 + k);
                    int changes = total / keys + (k < total % keys ? 1 : 0);
                    List<Mono<?>> plan = new ArrayList<>(changes);
                    boolean exists = false;
                    for (int i = 0; i < changes; i++) {
                        if (!exists || random.nextInt(5) > 0) {
                            Map<String, AttributeValue> item = item(key, i, random);
                            plan.add(Mono.fromFuture(() -> client.putItem(r -> r.tableName(table).item(item))));
                            exists = true;
                        } else {
                            plan.add(Mono.fromFuture(() -> client.deleteItem(r -> r.tableName(table)
                                    .key(Map.of("pk", AttributeValue.fromS(key))))));
                            exists = false;
                        }
                    }
                    return Flux.concat(plan);
                }, 16)
                .then();
    }

    /**
     * Runs source stream → receiver → batches of 100 → ErrorHandling → sink, giving each batch's result (once
     * the batch is done) to {@code onResult}.
     */
    static Disposable replicate(EmbeddedDynamoDb source, String table, CheckpointStore store, ReplicaTableSink sink,
            ErrorHandlingOptions errorHandling, Consumer<BatchResult> onResult) {
        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(source.streamsAsyncClient()).dynamoDbClient(source.dynamoDbAsyncClient())
                .tableName(table).checkpointStore(store).pollInterval(Duration.ofMillis(20)).build());
        return receiver.receive()
                .transform(Batching.batches(BatchOptions.builder().maxRecords(100).maxWait(Duration.ofMillis(100)).build()))
                .transform(ErrorHandling.process(errorHandling, sink::write))
                .subscribe(onResult);
    }

    /** Every item of the table (consistent scan), by {@code pk}, with sets sorted so equal items compare equal. */
    static Map<String, Map<String, AttributeValue>> scan(DynamoDbClient client, String table) {
        Map<String, Map<String, AttributeValue>> items = new TreeMap<>();
        client.scanPaginator(r -> r.tableName(table).consistentRead(true)).items()
                .forEach(item -> items.put(keyString(item.get("pk")), normalize(item)));
        return items;
    }

    /** The replica as readers see it: tombstones dropped, hidden attributes removed. */
    static Map<String, Map<String, AttributeValue>> visible(Map<String, Map<String, AttributeValue>> replica) {
        Map<String, Map<String, AttributeValue>> visible = new TreeMap<>();
        replica.forEach((key, item) -> {
            if (!item.containsKey(ReplicaTableSinkOptions.DEFAULT_DELETED_ATTRIBUTE_NAME)) {
                Map<String, AttributeValue> copy = new HashMap<>(item);
                copy.remove(ReplicaTableSinkOptions.DEFAULT_SEQUENCE_NUMBER_ATTRIBUTE_NAME);
                visible.put(key, copy);
            }
        });
        return visible;
    }

    private static String keyString(AttributeValue value) {
        return value.s() != null ? value.s() : value.n();
    }

    private static Map<String, AttributeValue> normalize(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> copy = new HashMap<>();
        item.forEach((name, value) -> copy.put(name, normalize(value)));
        return copy;
    }

    private static AttributeValue normalize(AttributeValue value) {
        if (value.hasSs()) {
            return AttributeValue.fromSs(value.ss().stream().sorted().toList());
        }
        if (value.hasNs()) {
            return AttributeValue.fromNs(value.ns().stream().sorted().toList());
        }
        if (value.hasM()) {
            return AttributeValue.fromM(normalize(value.m()));
        }
        if (value.hasL()) {
            return AttributeValue.fromL(value.l().stream().map(ReplicaTestSupport::normalize).toList());
        }
        return value;
    }

    /** A record list as batches of {@code size}. */
    static <T> List<List<T>> chunks(List<T> items, int size) {
        List<List<T>> chunks = new ArrayList<>();
        for (int i = 0; i < items.size(); i += size) {
            chunks.add(items.subList(i, Math.min(items.size(), i + size)));
        }
        return chunks;
    }
}
