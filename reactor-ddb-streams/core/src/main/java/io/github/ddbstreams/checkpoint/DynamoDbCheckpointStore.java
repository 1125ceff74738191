package io.github.ddbstreams.checkpoint;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.CreateTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * A {@link CheckpointStore} in a DynamoDB table, one item per shard.
 *
 * <p>Table layout: partition key {@value #STREAM_ARN} (S), sort key {@value #SHARD_ID} (S); attributes
 * {@value #SEQUENCE_NUMBER} (S, absent for a shard that ended before any record was processed),
 * {@value #ENDED} (BOOL) and {@value #UPDATED_AT} (S, ISO-8601 instant of the last save). Unless
 * {@link DynamoDbCheckpointStoreOptions#createTableIfAbsent()} is false, the table is created with
 * on-demand billing on first use; several stores (or processes) may race to create it.
 *
 * <p>{@link #load} reads with strongly consistent queries, following every page. {@link #save} writes one
 * item per shard, up to {@value #SAVE_CONCURRENCY} at a time, and completes once all are stored. The
 * store is thread-safe and non-blocking: every operation runs on the SDK client's threads when
 * subscribed. It never closes the client, which belongs to the caller.
 *
 * <pre>{@code
 * CheckpointStore store = DynamoDbCheckpointStore.create(DynamoDbCheckpointStoreOptions.builder()
 *     .client(dynamoDbAsyncClient)
 *     .tableName("orders-indexer-checkpoints")
 *     .build());
 * }</pre>
 */
public final class DynamoDbCheckpointStore implements CheckpointStore {

    /** Partition key: the stream ARN. */
    public static final String STREAM_ARN = "streamArn";
    /** Sort key: the shard id. */
    public static final String SHARD_ID = "shardId";
    /** The last processed sequence number (string), absent when none. */
    public static final String SEQUENCE_NUMBER = "sequenceNumber";
    /** Whether the shard was read to its end (boolean). */
    public static final String ENDED = "ended";
    /** When the checkpoint was last saved (ISO-8601 instant, string). */
    public static final String UPDATED_AT = "updatedAt";

    /** How many items {@link #save} writes at the same time. */
    static final int SAVE_CONCURRENCY = 8;

    private static final Logger log = LoggerFactory.getLogger(DynamoDbCheckpointStore.class);

    private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);
    private static final BackoffStrategy TABLE_POLL =
            BackoffStrategy.exponentialDelayHalfJitter(Duration.ofMillis(200), Duration.ofSeconds(5));

    private final DynamoDbCheckpointStoreOptions options;
    private final DynamoDbAsyncClient client;
    private final String tableName;
    private final Integer queryPageLimit;
    private final Clock clock;
    private final Mono<Void> tableReady;

    DynamoDbCheckpointStore(DynamoDbCheckpointStoreOptions options, Integer queryPageLimit, Clock clock) {
        this.options = Objects.requireNonNull(options, "options");
        this.client = options.client();
        this.tableName = options.tableName();
        this.queryPageLimit = queryPageLimit;
        this.clock = Objects.requireNonNull(clock, "clock");
        // Prepared once per store and shared by concurrent callers; a failure is not cached, so the next
        // call tries again (the table may have been created meanwhile, or the network may be back).
        this.tableReady = Mono.defer(this::prepareTable)
                .cache(ignored -> FOREVER, error -> Duration.ZERO, () -> FOREVER);
    }

    /**
     * Creates a store over the table named in the options. Makes no call to DynamoDB: the table is checked
     * (and created, if allowed) on first use.
     *
     * <pre>{@code
     * CheckpointStore store = DynamoDbCheckpointStore.create(options);
     * }</pre>
     */
    public static DynamoDbCheckpointStore create(DynamoDbCheckpointStoreOptions options) {
        return new DynamoDbCheckpointStore(options, null, Clock.systemUTC());
    }

    /** The options of this store. */
    public DynamoDbCheckpointStoreOptions options() {
        return options;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Fails with an {@link IllegalStateException} if the table is missing and may not be created, has
     * another key schema, or holds an invalid checkpoint item.
     */
    @Override
    public Mono<Map<String, ShardCheckpoint>> load(String streamArn) {
        requireStreamArn(streamArn);
        return tableReady
                .thenMany(Flux.defer(() -> Flux.from(client.queryPaginator(queryRequest(streamArn)).items())))
                .map(item -> toCheckpoint(streamArn, item))
                .collectMap(ShardCheckpoint::shardId)
                .map(Map::copyOf);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The checkpoints are copied when this method is called; when several have the same shard id, the
     * last one wins. An empty collection completes without calling DynamoDB.
     */
    @Override
    public Mono<Void> save(String streamArn, Collection<ShardCheckpoint> checkpoints) {
        requireStreamArn(streamArn);
        Objects.requireNonNull(checkpoints, "checkpoints");
        Map<String, ShardCheckpoint> latestByShard = new LinkedHashMap<>();
        for (ShardCheckpoint checkpoint : checkpoints) {
            Objects.requireNonNull(checkpoint, "checkpoints must not contain null");
            latestByShard.put(checkpoint.shardId(), checkpoint);
        }
        if (latestByShard.isEmpty()) {
            return Mono.empty();
        }
        List<ShardCheckpoint> toWrite = List.copyOf(latestByShard.values());
        return tableReady.thenMany(Flux.fromIterable(toWrite)
                        .flatMap(checkpoint -> put(streamArn, checkpoint), SAVE_CONCURRENCY))
                .then();
    }

    @Override
    public String toString() {
        return "DynamoDbCheckpointStore{tableName=" + tableName + "}";
    }

    private Mono<Void> put(String streamArn, ShardCheckpoint checkpoint) {
        Map<String, AttributeValue> item = new HashMap<>(8);
        item.put(STREAM_ARN, AttributeValue.fromS(streamArn));
        item.put(SHARD_ID, AttributeValue.fromS(checkpoint.shardId()));
        if (checkpoint.sequenceNumber() != null) {
            item.put(SEQUENCE_NUMBER, AttributeValue.fromS(checkpoint.sequenceNumber()));
        }
        item.put(ENDED, AttributeValue.fromBool(checkpoint.ended()));
        item.put(UPDATED_AT, AttributeValue.fromS(clock.instant().toString()));
        return Mono.fromFuture(() -> client.putItem(r -> r.tableName(tableName).item(item))).then();
    }

    private QueryRequest queryRequest(String streamArn) {
        return QueryRequest.builder()
                .tableName(tableName)
                .keyConditionExpression("#streamArn = :streamArn")
                .expressionAttributeNames(Map.of("#streamArn", STREAM_ARN))
                .expressionAttributeValues(Map.of(":streamArn", AttributeValue.fromS(streamArn)))
                .consistentRead(true)
                .limit(queryPageLimit)
                .build();
    }

    private ShardCheckpoint toCheckpoint(String streamArn, Map<String, AttributeValue> item) {
        AttributeValue shardId = item.get(SHARD_ID);
        AttributeValue sequenceNumber = item.get(SEQUENCE_NUMBER);
        AttributeValue ended = item.get(ENDED);
        try {
            return new ShardCheckpoint(
                    shardId == null ? null : shardId.s(),
                    sequenceNumber == null ? null : sequenceNumber.s(),
                    ended != null && Boolean.TRUE.equals(ended.bool()));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Checkpoint table '" + tableName + "' holds an invalid checkpoint for stream "
                    + streamArn + " (item " + item + "): " + e.getMessage(), e);
        }
    }

    private Mono<Void> prepareTable() {
        return Mono.fromFuture(() -> client.describeTable(r -> r.tableName(tableName)))
                .map(DescribeTableResponse::table)
                .onErrorResume(ResourceNotFoundException.class, missing -> createTable(missing))
                .flatMap(table -> table.tableStatus() == TableStatus.ACTIVE ? Mono.just(table) : waitUntilActive())
                .doOnNext(this::checkKeySchema)
                .doOnNext(table -> log.debug("Checkpoint table '{}' is ready", tableName))
                .then();
    }

    private Mono<TableDescription> createTable(ResourceNotFoundException missing) {
        if (!options.createTableIfAbsent()) {
            return Mono.error(new IllegalStateException("Checkpoint table '" + tableName + "' does not exist and "
                    + "createTableIfAbsent is false: create it (partition key " + STREAM_ARN + " (S), sort key "
                    + SHARD_ID + " (S)) or enable createTableIfAbsent", missing));
        }
        CreateTableRequest request = CreateTableRequest.builder()
                .tableName(tableName)
                .attributeDefinitions(
                        AttributeDefinition.builder().attributeName(STREAM_ARN).attributeType(ScalarAttributeType.S).build(),
                        AttributeDefinition.builder().attributeName(SHARD_ID).attributeType(ScalarAttributeType.S).build())
                .keySchema(
                        KeySchemaElement.builder().attributeName(STREAM_ARN).keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName(SHARD_ID).keyType(KeyType.RANGE).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .build();
        return Mono.fromFuture(() -> client.createTable(request))
                .map(CreateTableResponse::tableDescription)
                .doOnNext(table -> log.info("Created checkpoint table '{}'", tableName))
                // Someone else (another store, another process) created it first: use theirs.
                .onErrorResume(ResourceInUseException.class, inUse -> {
                    log.debug("Checkpoint table '{}' was created concurrently; waiting until it is active", tableName);
                    return waitUntilActive();
                });
    }

    private Mono<TableDescription> waitUntilActive() {
        Duration timeout = options.tableCreationTimeout();
        return Mono.fromFuture(() -> client.waiter().waitUntilTableExists(
                        r -> r.tableName(tableName),
                        o -> o.backoffStrategyV2(TABLE_POLL).maxAttempts(Integer.MAX_VALUE).waitTimeout(timeout)))
                .flatMap(response -> Mono.justOrEmpty(response.matched().response()))
                .map(DescribeTableResponse::table)
                .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                        "Checkpoint table '" + tableName + "' did not become ACTIVE")))
                .onErrorMap(SdkClientException.class, e -> new IllegalStateException(
                        "Checkpoint table '" + tableName + "' did not become ACTIVE within " + timeout
                                + " (tableCreationTimeout)", e));
    }

    private void checkKeySchema(TableDescription table) {
        String hashKey = null;
        String rangeKey = null;
        for (KeySchemaElement key : table.keySchema()) {
            if (key.keyType() == KeyType.HASH) {
                hashKey = key.attributeName();
            } else if (key.keyType() == KeyType.RANGE) {
                rangeKey = key.attributeName();
            }
        }
        boolean stringKeys = table.attributeDefinitions().stream()
                .filter(a -> a.attributeName().equals(STREAM_ARN) || a.attributeName().equals(SHARD_ID))
                .allMatch(a -> a.attributeType() == ScalarAttributeType.S);
        if (!STREAM_ARN.equals(hashKey) || !SHARD_ID.equals(rangeKey) || !stringKeys) {
            throw new IllegalStateException("Checkpoint table '" + tableName + "' has key schema "
                    + table.keySchema() + " and attributes " + table.attributeDefinitions()
                    + "; a checkpoint table needs partition key " + STREAM_ARN + " (S) and sort key " + SHARD_ID + " (S)");
        }
    }

    private static void requireStreamArn(String streamArn) {
        Objects.requireNonNull(streamArn, "streamArn");
        if (streamArn.isEmpty()) {
            throw new IllegalArgumentException("streamArn must not be empty");
        }
    }
}
