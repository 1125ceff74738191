package io.github.ddbstreams.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStore;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStoreOptions;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StartPosition;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.FaultInjector;
import io.github.ddbstreams.testkit.FaultKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The import against DynamoDB Local: a hand-written KCL 1.x lease table over a real lineage (two rollovers), seeded
 * into a DynamoDB checkpoint store, or into our lease table (two workers), and read by the receiver.
 */
class KclLeaseTableImportIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static EmbeddedDynamoDb dynamoDb;

    @BeforeAll
    static void startServer() {
        dynamoDb = EmbeddedDynamoDb.start();
    }

    @AfterAll
    static void stopServer() {
        dynamoDb.close();
    }

    /** A stream whose lineage grandparent → parent → child holds i0..i9, the child i6..i9. */
    private record Lineage(String arn, String grandparent, String parent, String child) {
    }

    private static Lineage lineage(String table) {
        String arn = dynamoDb.createTableWithStream(table, StreamViewType.KEYS_ONLY);
        for (int i = 0; i < 10; i++) {
            put(table, "i" + i);
            if (i == 2 || i == 5) {
                dynamoDb.triggerShardRollover();
            }
        }
        List<Shard> shards = dynamoDb.streamsAsyncClient().describeStream(r -> r.streamArn(arn)).join()
                .streamDescription().shards();
        assertThat(shards).hasSize(3);
        return new Lineage(arn, shards.get(0).shardId(), shards.get(1).shardId(), shards.get(2).shardId());
    }

    /** A KCL 1.x lease table: the KCL processed i6 and i7 of the open child and cleaned up its finished ancestors. */
    private static KclLeaseTableImport kclStoppedInTheChild(Lineage lineage, String leaseTable) {
        String child = lineage.child();
        List<Record> childRecords = records(lineage.arn(), child);
        assertThat(childRecords).hasSize(4);
        createLeaseTable(leaseTable);
        dynamoDb.syncClient().putItem(r -> r.tableName(leaseTable).item(Map.of(
                "leaseKey", AttributeValue.fromS(child),
                "leaseOwner", AttributeValue.fromS("kcl-worker-1"),
                "leaseCounter", AttributeValue.fromN("412"),
                "checkpoint", AttributeValue.fromS(childRecords.get(1).dynamodb().sequenceNumber()),
                "checkpointSubSequenceNumber", AttributeValue.fromN("0"),
                "ownerSwitchesSinceCheckpoint", AttributeValue.fromN("0"),
                "parentShardId", AttributeValue.fromSs(List.of(lineage.parent())))));
        return KclLeaseTableImport.create(KclImportOptions.builder()
                .client(dynamoDb.dynamoDbAsyncClient()).streamsClient(dynamoDb.streamsAsyncClient())
                .leaseTableName(leaseTable).observationWindow(Duration.ofMillis(500)).build());
    }

    @Test
    void seeding_overCleanedUpAncestors_resumesAfterTheKclCheckpointAndNeverImportsAgain() {
        Lineage lineage = lineage("Orders");
        String arn = lineage.arn();
        String grandparent = lineage.grandparent();
        String parent = lineage.parent();
        String leaseTable = "orders-indexer";
        KclLeaseTableImport kcl = kclStoppedInTheChild(lineage, leaseTable);
        CheckpointStore store = DynamoDbCheckpointStore.create(DynamoDbCheckpointStoreOptions.builder()
                .client(dynamoDb.dynamoDbAsyncClient()).tableName("orders-checkpoints").build());

        assertThat(keys(kcl.seeding(store), arn, 2)).containsExactly("i8", "i9");
        assertThat(store.load(arn).block(TIMEOUT)).containsEntry(grandparent, ShardCheckpoint.ended(grandparent, null))
                .containsEntry(parent, ShardCheckpoint.ended(parent, null));

        // a second start reads our own checkpoints: the KCL table, even gone, is not read again
        dynamoDb.syncClient().deleteTable(r -> r.tableName(leaseTable));
        put("Orders", "i10");
        assertThat(keys(kcl.seeding(store), arn, 1)).containsExactly("i10");
    }

    @Test
    void leaseMode_twoWorkersStartingTogether_resumeAfterTheKclCheckpointAndNeverImportAgain() {
        Lineage lineage = lineage("Payments");
        String leaseTable = "payments-indexer";
        KclLeaseTableImport kcl = kclStoppedInTheChild(lineage, leaseTable);
        LeaseOptions leases = LeaseOptions.builder().client(dynamoDb.dynamoDbAsyncClient())
                .tableName("payments-indexer-leases").initialCheckpoints(kcl.initialCheckpoints()).build();

        // the same deliveries as with a checkpoint store: i8 and i9, once, from whichever worker took the child
        List<String> delivered = Flux.merge(
                        receive(lineage.arn(), options -> options.leases(leases.toBuilder().workerId("w1").build())),
                        receive(lineage.arn(), options -> options.leases(leases.toBuilder().workerId("w2").build())))
                .take(2)
                .collectList()
                .block(TIMEOUT);
        assertThat(delivered).containsExactlyInAnyOrder("i8", "i9");

        // a second start reads our own leases: the KCL table, even gone, is not read again
        dynamoDb.syncClient().deleteTable(r -> r.tableName(leaseTable));
        put("Payments", "i10");
        assertThat(receive(lineage.arn(), options -> options.leases(leases.toBuilder().workerId("w3").build()))
                .take(1).collectList().block(TIMEOUT)).containsExactly("i10");
    }

    /**
     * The first start dies between the import's writes (the child's checkpoint cannot be written; its ancestors'
     * were): the second start completes the import and resumes after the KCL checkpoint, not at the child's beginning.
     */
    @Test
    void seeding_afterAStartThatDiedBetweenTheImportsWrites_nextStartCompletesTheImport() {
        Lineage lineage = lineage("Refunds");
        String arn = lineage.arn();
        KclLeaseTableImport kcl = kclStoppedInTheChild(lineage, "refunds-indexer");
        FaultInjector faults = FaultInjector.create(16L);
        faults.inject(FaultKind.SERVER_ERROR).on("PutItem").when(writes("refunds-checkpoints", lineage.child()))
                .always();
        try (DynamoDbAsyncClient failing = dynamoDb.newDynamoDbAsyncClient(faults)) {
            CheckpointStore dying = DynamoDbCheckpointStore.create(DynamoDbCheckpointStoreOptions.builder()
                    .client(failing).tableName("refunds-checkpoints").build());
            // the load fails on every retry (the receiver retries a failing load maxRetries times before it dies)
            StepVerifier.create(receive(arn, options -> options.checkpointStore(kcl.seeding(dying)).maxRetries(1)))
                    .expectError()
                    .verify(TIMEOUT);
        }
        CheckpointStore store = DynamoDbCheckpointStore.create(DynamoDbCheckpointStoreOptions.builder()
                .client(dynamoDb.dynamoDbAsyncClient()).tableName("refunds-checkpoints").build());
        assertThat(store.load(arn).block(TIMEOUT)).as("the partial import").containsOnlyKeys(lineage.grandparent(),
                lineage.parent());

        assertThat(keys(kcl.seeding(store), arn, 2)).containsExactly("i8", "i9");
        assertThat(store.load(KclLeaseTableImport.progressKey(arn)).block(TIMEOUT))
                .containsValue(ShardCheckpoint.ended("import", null));
    }

    /**
     * Lease mode: a worker dies between the import's writes (the child's lease cannot be written). The next worker
     * completes the import before it takes a lease: the child resumes after the KCL checkpoint.
     */
    @Test
    void leaseMode_afterAWorkerDiedBetweenTheImportsWrites_nextWorkerCompletesTheImport() {
        Lineage lineage = lineage("Credits");
        KclLeaseTableImport kcl = kclStoppedInTheChild(lineage, "credits-indexer");
        LeaseOptions leases = LeaseOptions.builder().client(dynamoDb.dynamoDbAsyncClient())
                .tableName("credits-indexer-leases").initialCheckpoints(kcl.initialCheckpoints()).build();
        FaultInjector faults = FaultInjector.create(16L);
        faults.inject(FaultKind.SERVER_ERROR).on("PutItem").when(writes("credits-indexer-leases", lineage.child()))
                .always();
        try (DynamoDbAsyncClient failing = dynamoDb.newDynamoDbAsyncClient(faults)) {
            Disposable dying = receive(lineage.arn(), options -> options.leases(leases.toBuilder().client(failing)
                    .workerId("w1").build())).subscribe(key -> { }, e -> { });
            // the lease table is created by the worker: until then the scan finds no table
            await().atMost(TIMEOUT).ignoreException(ResourceNotFoundException.class)
                    .until(() -> leaseShardIds("credits-indexer-leases").contains(lineage.parent()));
            dying.dispose();
        }
        assertThat(leaseShardIds("credits-indexer-leases")).as("the partial import").doesNotContain(lineage.child());

        assertThat(receive(lineage.arn(), options -> options.leases(leases.toBuilder().workerId("w2").build()))
                .take(2).collectList().block(TIMEOUT)).containsExactly("i8", "i9");
    }

    private static Predicate<SdkRequest> writes(String table, String shardId) {
        return request -> request instanceof PutItemRequest put && put.tableName().equals(table)
                && shardId.equals(put.item().get("shardId").s());
    }

    private static List<String> leaseShardIds(String table) {
        return dynamoDb.syncClient().scan(r -> r.tableName(table).consistentRead(true)).items().stream()
                .map(item -> item.get("shardId").s()).toList();
    }

    @Test
    void plan_whenLeaseTableDoesNotExist_failsNamingIt() {
        String arn = dynamoDb.createTableWithStream("Invoices", StreamViewType.KEYS_ONLY);
        KclLeaseTableImport kcl = KclLeaseTableImport.create(KclImportOptions.builder()
                .client(dynamoDb.dynamoDbAsyncClient()).streamsClient(dynamoDb.streamsAsyncClient())
                .leaseTableName("no-such-application").build());

        StepVerifier.create(kcl.plan(arn))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(KclLeaseTableException.class)
                        .hasMessage("KCL lease table no-such-application does not exist"))
                .verify(TIMEOUT);
    }

    private static List<String> keys(CheckpointStore store, String arn, int count) {
        return receive(arn, options -> options.checkpointStore(store)).take(count).collect(Collectors.toList())
                .block(TIMEOUT);
    }

    /** The keys a receiver delivers (each acknowledged), read from the start position TRIM_HORIZON. */
    private static Flux<String> receive(String arn, UnaryOperator<ReceiverOptions.Builder> checkpoints) {
        return DynamoDbStreamsReceiver.create(checkpoints.apply(ReceiverOptions.builder()
                        .streamsClient(dynamoDb.streamsAsyncClient()).dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                        .streamArn(arn).startPosition(StartPosition.trimHorizon())).build())
                .receive()
                .doOnNext(record -> record.checkpoint().acknowledge())
                .map(ChangeRecord::keys)
                .map(keys -> keys.get("pk").s());
    }

    private static List<Record> records(String arn, String shardId) {
        String iterator = dynamoDb.streamsAsyncClient().getShardIterator(r -> r.streamArn(arn).shardId(shardId)
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator();
        return dynamoDb.streamsAsyncClient().getRecords(r -> r.shardIterator(iterator)).join().records();
    }

    private static void put(String table, String pk) {
        dynamoDb.syncClient().putItem(r -> r.tableName(table).item(Map.of("pk", AttributeValue.fromS(pk))));
    }

    private static void createLeaseTable(String name) {
        dynamoDb.createTable(CreateTableRequest.builder().tableName(name)
                .attributeDefinitions(AttributeDefinition.builder().attributeName("leaseKey")
                        .attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.HASH).build())
                .billingMode(BillingMode.PAY_PER_REQUEST).build());
    }
}
