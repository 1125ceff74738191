package io.github.ddbstreams.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

class DynamoDbCheckpointStoreIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String STREAM_A = "arn:aws:dynamodb:ddblocal:000000000000:table/a/stream/2024-01-01T00:00:00.000";
    private static final String STREAM_B = "arn:aws:dynamodb:ddblocal:000000000000:table/b/stream/2024-01-01T00:00:00.000";
    private static final AtomicInteger TABLES = new AtomicInteger();

    private static EmbeddedDynamoDb dynamoDb;
    private static DynamoDbAsyncClient client;

    private String tableName;

    @BeforeAll
    static void startServer() {
        dynamoDb = EmbeddedDynamoDb.start();
        client = dynamoDb.dynamoDbAsyncClient();
    }

    @AfterAll
    static void stopServer() {
        if (dynamoDb != null) {
            dynamoDb.close();
        }
    }

    @BeforeEach
    void freshTableName() {
        tableName = "checkpoints-" + TABLES.incrementAndGet() + "-" + System.nanoTime();
    }

    @Test
    void load_whenTableAbsent_createsItOnDemand_andReturnsEmpty() {
        DynamoDbCheckpointStore store = store(options().build());

        StepVerifier.create(store.load(STREAM_A)).expectNext(Map.of()).expectComplete().verify(TIMEOUT);

        TableDescription table = client.describeTable(r -> r.tableName(tableName)).join().table();
        assertThat(table.keySchema()).containsExactly(
                KeySchemaElement.builder().attributeName("streamArn").keyType(KeyType.HASH).build(),
                KeySchemaElement.builder().attributeName("shardId").keyType(KeyType.RANGE).build());
        assertThat(table.billingModeSummary().billingMode()).isEqualTo(BillingMode.PAY_PER_REQUEST);
    }

    @Test
    void save_thenLoad_roundTripsEveryKindOfCheckpoint() {
        Instant now = Instant.parse("2025-03-04T05:06:07.890Z");
        DynamoDbCheckpointStore store = new DynamoDbCheckpointStore(options().build(), null,
                Clock.fixed(now, ZoneOffset.UTC));
        ShardCheckpoint open = ShardCheckpoint.at("shardId-00000001", "000000000000000000021");
        ShardCheckpoint longNumber = ShardCheckpoint.at("shardId-00000002", "1234567890123456789012345678901234567890");
        ShardCheckpoint endedEmpty = ShardCheckpoint.ended("shardId-00000003", null);
        ShardCheckpoint endedAfterRecords = ShardCheckpoint.ended("shardId-00000004", "9");

        StepVerifier.create(store.save(STREAM_A, List.of(open, longNumber, endedEmpty, endedAfterRecords)))
                .expectComplete().verify(TIMEOUT);

        StepVerifier.create(store.load(STREAM_A))
                .expectNext(Map.of(open.shardId(), open, longNumber.shardId(), longNumber,
                        endedEmpty.shardId(), endedEmpty, endedAfterRecords.shardId(), endedAfterRecords))
                .expectComplete().verify(TIMEOUT);

        Map<String, AttributeValue> rawEnded = rawItem(STREAM_A, endedEmpty.shardId());
        assertThat(rawEnded).doesNotContainKey("sequenceNumber")
                .containsEntry("ended", AttributeValue.fromBool(true))
                .containsEntry("updatedAt", AttributeValue.fromS("2025-03-04T05:06:07.890Z"));
        assertThat(rawItem(STREAM_A, longNumber.shardId()))
                .containsEntry("sequenceNumber", AttributeValue.fromS("1234567890123456789012345678901234567890"))
                .containsEntry("ended", AttributeValue.fromBool(false));
    }

    @Test
    void save_replacesTheCheckpointOfTheSameShard_lastOneInACallWins() {
        DynamoDbCheckpointStore store = store(options().build());
        store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "10"))).block(TIMEOUT);

        store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "20"), ShardCheckpoint.ended("shard-1", "30")))
                .block(TIMEOUT);

        assertThat(store.load(STREAM_A).block(TIMEOUT))
                .containsExactly(Map.entry("shard-1", ShardCheckpoint.ended("shard-1", "30")));
    }

    /**
     * Regression (issue 13): writes were unconditional, so two receivers on one store (a rolling deploy) could move
     * a checkpoint back. Now each write is conditional on the padded sequence number (numeric order, not string
     * order: "10" is after "9") and a shard's end; a checkpoint behind the stored one is not written and the save
     * still completes. Failed before the fix: shard-1 was at "20" after "100".
     */
    @Test
    void save_neverMovesACheckpointBack_evenFromAnotherStoreOnTheSameTable() {
        DynamoDbCheckpointStore first = store(options().build());
        DynamoDbCheckpointStore second = store(options().build());
        first.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "100"), ShardCheckpoint.at("shard-2", "9"),
                ShardCheckpoint.ended("shard-3", "7"), ShardCheckpoint.ended("shard-4", null))).block(TIMEOUT);

        StepVerifier.create(second.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "20"),
                        ShardCheckpoint.at("shard-2", "10"), ShardCheckpoint.at("shard-3", "8"),
                        ShardCheckpoint.ended("shard-4", null))))
                .expectComplete().verify(TIMEOUT);

        assertThat(first.load(STREAM_A).block(TIMEOUT)).containsOnly(
                Map.entry("shard-1", ShardCheckpoint.at("shard-1", "100")),
                Map.entry("shard-2", ShardCheckpoint.at("shard-2", "10")),
                Map.entry("shard-3", ShardCheckpoint.ended("shard-3", "7")),
                Map.entry("shard-4", ShardCheckpoint.ended("shard-4", null)));
        assertThat(rawItem(STREAM_A, "shard-2"))
                .containsEntry("paddedSequenceNumber", AttributeValue.fromS("0".repeat(38) + "10"));
    }

    /** An item written before checkpoints were conditional (no padded sequence number) is moved forward. */
    @Test
    void save_replacesAnItemWithoutPaddedSequenceNumber_unlessEnded() {
        DynamoDbCheckpointStore store = store(options().build());
        store.load(STREAM_A).block(TIMEOUT);
        for (String shard : List.of("shard-1", "shard-2")) {
            client.putItem(r -> r.tableName(tableName).item(Map.of("streamArn", AttributeValue.fromS(STREAM_A),
                    "shardId", AttributeValue.fromS(shard), "sequenceNumber", AttributeValue.fromS("500"),
                    "ended", AttributeValue.fromBool(shard.equals("shard-2"))))).join();
        }

        store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "30"), ShardCheckpoint.at("shard-2", "600")))
                .block(TIMEOUT);

        assertThat(store.load(STREAM_A).block(TIMEOUT)).containsOnly(
                Map.entry("shard-1", ShardCheckpoint.at("shard-1", "30")),
                Map.entry("shard-2", ShardCheckpoint.ended("shard-2", "500")));
    }

    @Test
    void load_withMoreShardsThanOnePage_followsEveryPage() {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        try (DynamoDbAsyncClient counting = countingClient(calls)) {
            DynamoDbCheckpointStore store = new DynamoDbCheckpointStore(options().client(counting).build(), 7,
                    Clock.systemUTC());
            List<ShardCheckpoint> checkpoints = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                checkpoints.add(ShardCheckpoint.at(String.format("shardId-%020d-%08x", 1_700_000_000_000L + i, i),
                        String.format("%040d", i + 1)));
            }

            store.save(STREAM_A, checkpoints).block(TIMEOUT);
            Map<String, ShardCheckpoint> loaded = store.load(STREAM_A).block(TIMEOUT);

            assertThat(loaded).hasSize(300);
            assertThat(loaded.values()).containsExactlyInAnyOrderElementsOf(checkpoints);
            assertThat(calls.get("Query").get()).as("pages of 7 items").isGreaterThanOrEqualTo(43);
        }
    }

    @Test
    void streams_areIsolated() {
        DynamoDbCheckpointStore store = store(options().build());
        store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "1"), ShardCheckpoint.at("shard-2", "2")))
                .block(TIMEOUT);
        store.save(STREAM_B, List.of(ShardCheckpoint.at("shard-1", "99"))).block(TIMEOUT);

        assertThat(store.load(STREAM_A).block(TIMEOUT)).containsOnlyKeys("shard-1", "shard-2")
                .containsEntry("shard-1", ShardCheckpoint.at("shard-1", "1"));
        assertThat(store.load(STREAM_B).block(TIMEOUT))
                .containsExactly(Map.entry("shard-1", ShardCheckpoint.at("shard-1", "99")));
        assertThat(store.load("arn:aws:dynamodb:ddblocal:000000000000:table/c/stream/x").block(TIMEOUT)).isEmpty();
    }

    @Test
    void load_whenTableMissingAndCreationDisabled_failsNamingTheTable_thenRetriesOnNextCall() {
        DynamoDbCheckpointStore store = store(options().createTableIfAbsent(false).build());

        StepVerifier.create(store.load(STREAM_A))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("'" + tableName + "' does not exist")
                        .hasMessageContaining("createTableIfAbsent is false")
                        .hasCauseInstanceOf(ResourceNotFoundException.class))
                .verify(TIMEOUT);
        assertThat(client.listTables().join().tableNames()).doesNotContain(tableName);

        // The failure is not cached: once the table exists, the same store works.
        store(options().build()).load(STREAM_A).block(TIMEOUT);
        StepVerifier.create(store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "5"))))
                .expectComplete().verify(TIMEOUT);
        assertThat(store.load(STREAM_A).block(TIMEOUT)).containsOnlyKeys("shard-1");
    }

    @Test
    void firstUse_byManyStoresAtOnce_createsTheTableOnce_withoutFailing() {
        List<DynamoDbCheckpointStore> stores = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            stores.add(store(options().build()));
        }

        List<Map<String, ShardCheckpoint>> loaded = Flux.range(0, stores.size())
                .flatMap(i -> stores.get(i).save(STREAM_A, List.of(ShardCheckpoint.at("shard-" + i, String.valueOf(i + 1))))
                        .then(stores.get(i).load(STREAM_A)), stores.size())
                .collectList()
                .block(TIMEOUT);

        assertThat(loaded).hasSize(8);
        assertThat(client.listTables().join().tableNames()).containsOnlyOnce(tableName);
        assertThat(stores.get(0).load(STREAM_A).block(TIMEOUT)).hasSize(8);
    }

    @Test
    void ensureTable_runsOncePerStore_evenWithConcurrentCallers() {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        try (DynamoDbAsyncClient counting = countingClient(calls)) {
            DynamoDbCheckpointStore store = store(options().client(counting).build());

            Flux.range(0, 20)
                    .flatMap(i -> store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-" + i, "1"))))
                    .then()
                    .block(TIMEOUT);
            assertThat(store.load(STREAM_A).block(TIMEOUT)).hasSize(20);

            assertThat(calls.get("DescribeTable")).hasValue(1);
            assertThat(calls.get("CreateTable")).hasValue(1);
            assertThat(calls.get("PutItem")).hasValue(20);
        }
    }

    @Test
    void existingTableWithAnotherKeySchema_failsWithClearError() {
        dynamoDb.createTable(CreateTableRequest.builder()
                .tableName(tableName)
                .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .build());
        DynamoDbCheckpointStore store = store(options().build());

        StepVerifier.create(store.load(STREAM_A))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("'" + tableName + "' has key schema")
                        .hasMessageContaining("needs partition key streamArn (S) and sort key shardId (S)"))
                .verify(TIMEOUT);
    }

    @Test
    void save_ofNothing_completesWithoutTouchingDynamoDb() {
        DynamoDbCheckpointStore store = store(options().createTableIfAbsent(false).build());

        StepVerifier.create(store.save(STREAM_A, List.of())).expectComplete().verify(TIMEOUT);
    }

    @Test
    void store_neverClosesTheUsersClient() {
        DynamoDbAsyncClient own = dynamoDb.newDynamoDbAsyncClient();
        try {
            DynamoDbCheckpointStore store = DynamoDbCheckpointStore.create(options().client(own).build());
            store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "1"))).then(store.load(STREAM_A)).block(TIMEOUT);

            assertThat(Mono.fromFuture(own.listTables()).block(TIMEOUT).tableNames()).contains(tableName);
        } finally {
            own.close();
        }
    }

    private DynamoDbCheckpointStoreOptions.Builder options() {
        return DynamoDbCheckpointStoreOptions.builder().client(client).tableName(tableName)
                .tableCreationTimeout(Duration.ofSeconds(20));
    }

    /** A client of the embedded server that counts the calls of each operation. */
    private static DynamoDbAsyncClient countingClient(Map<String, AtomicInteger> calls) {
        ExecutionInterceptor counter = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                calls.computeIfAbsent(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
                        name -> new AtomicInteger()).incrementAndGet();
            }
        };
        return DynamoDbAsyncClient.builder()
                .httpClientBuilder(NettyNioAsyncHttpClient.builder())
                .endpointOverride(dynamoDb.endpoint())
                .region(EmbeddedDynamoDb.REGION)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        EmbeddedDynamoDb.DUMMY_CREDENTIAL, EmbeddedDynamoDb.DUMMY_CREDENTIAL)))
                .overrideConfiguration(o -> o.addExecutionInterceptor(counter))
                .build();
    }

    private static DynamoDbCheckpointStore store(DynamoDbCheckpointStoreOptions options) {
        return DynamoDbCheckpointStore.create(options);
    }

    private Map<String, AttributeValue> rawItem(String streamArn, String shardId) {
        return client.getItem(r -> r.tableName(tableName).consistentRead(true).key(Map.of(
                "streamArn", AttributeValue.fromS(streamArn),
                "shardId", AttributeValue.fromS(shardId)))).join().item();
    }
}
