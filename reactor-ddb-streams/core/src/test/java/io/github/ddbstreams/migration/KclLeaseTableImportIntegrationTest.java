package io.github.ddbstreams.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStore;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStoreOptions;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StartPosition;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The import against DynamoDB Local: a hand-written KCL 1.x lease table over a real lineage (two rollovers), seeded
 * into a DynamoDB checkpoint store and read by the receiver.
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

    @Test
    void seeding_overCleanedUpAncestors_resumesAfterTheKclCheckpointAndNeverImportsAgain() {
        String arn = dynamoDb.createTableWithStream("Orders", StreamViewType.KEYS_ONLY);
        for (int i = 0; i < 10; i++) {
            put("Orders", "i" + i);
            if (i == 2 || i == 5) {
                dynamoDb.triggerShardRollover();
            }
        }
        List<Shard> shards = dynamoDb.streamsAsyncClient().describeStream(r -> r.streamArn(arn)).join()
                .streamDescription().shards();
        assertThat(shards).hasSize(3);
        String grandparent = shards.get(0).shardId();
        String parent = shards.get(1).shardId();
        String child = shards.get(2).shardId();
        List<Record> childRecords = records(arn, child);
        assertThat(childRecords).hasSize(4);
        // the KCL processed i6 and i7 of the open child and cleaned up the leases of its finished ancestors
        String leaseTable = "orders-indexer";
        createLeaseTable(leaseTable);
        dynamoDb.syncClient().putItem(r -> r.tableName(leaseTable).item(Map.of(
                "leaseKey", AttributeValue.fromS(child),
                "leaseOwner", AttributeValue.fromS("kcl-worker-1"),
                "leaseCounter", AttributeValue.fromN("412"),
                "checkpoint", AttributeValue.fromS(childRecords.get(1).dynamodb().sequenceNumber()),
                "checkpointSubSequenceNumber", AttributeValue.fromN("0"),
                "ownerSwitchesSinceCheckpoint", AttributeValue.fromN("0"),
                "parentShardId", AttributeValue.fromSs(List.of(parent)))));
        KclLeaseTableImport kcl = KclLeaseTableImport.create(KclImportOptions.builder()
                .client(dynamoDb.dynamoDbAsyncClient()).streamsClient(dynamoDb.streamsAsyncClient())
                .leaseTableName(leaseTable).observationWindow(Duration.ofMillis(500)).build());
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
        return DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                        .streamsClient(dynamoDb.streamsAsyncClient()).dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                        .streamArn(arn).startPosition(StartPosition.trimHorizon()).checkpointStore(store).build())
                .receive()
                .doOnNext(record -> record.checkpoint().acknowledge())
                .map(ChangeRecord::keys)
                .map(keys -> keys.get("pk").s())
                .take(count)
                .collect(Collectors.toList())
                .block(TIMEOUT);
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
