package io.github.ddbstreams.checkpoint;

import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.github.ddbstreams.internal.DynamoDbTables;
import io.github.ddbstreams.record.SequenceNumbers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * A {@link CheckpointStore} in a DynamoDB table, one item per shard.
 *
 * <p>Table layout: partition key {@value #STREAM_ARN} (S), sort key {@value #SHARD_ID} (S); attributes
 * {@value #SEQUENCE_NUMBER} (S, absent for a shard that ended before any record was processed),
 * {@value #ENDED} (BOOL), {@value #PADDED_SEQUENCE_NUMBER} (S, the sequence number zero-padded to 40 digits,
 * 40 zeros when absent: what the conditional write compares) and {@value #UPDATED_AT} (S, ISO-8601 instant of
 * the last save). Unless
 * {@link DynamoDbCheckpointStoreOptions#createTableIfAbsent()} is false, the table is created with
 * on-demand billing on first use; several stores (or processes) may race to create it.
 *
 * <p>{@link #load} reads with strongly consistent queries, following every page. {@link #save} writes one
 * item per shard, up to {@value #SAVE_CONCURRENCY} at a time, and completes once all are stored.
 *
 * <p>A checkpoint never moves back: each write is conditional on the stored checkpoint being at or before the
 * new one (a shard's end is after every sequence number of it), so two receivers sharing one store (a
 * rolling deploy) cannot put an older position over a newer one. A checkpoint behind the stored one is not
 * written and {@link #save} still completes: the stored position already covers it (logged at DEBUG). Items
 * written by earlier versions (without {@value #PADDED_SEQUENCE_NUMBER}) are replaced unless ended. The
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
    /**
     * The sequence number zero-padded to 40 digits (string; 40 zeros for an ended shard without one): the
     * conditional write compares it so that a checkpoint never moves back.
     */
    public static final String PADDED_SEQUENCE_NUMBER = "paddedSequenceNumber";
    /** When the checkpoint was last saved (ISO-8601 instant, string). */
    public static final String UPDATED_AT = "updatedAt";

    /** The padded position of an ended shard without a sequence number: before every record. */
    private static final String NO_SEQUENCE_NUMBER = "0".repeat(SequenceNumbers.PADDED_DIGITS);

    /** How many items {@link #save} writes at the same time. */
    static final int SAVE_CONCURRENCY = 8;

    private static final Logger log = LoggerFactory.getLogger(DynamoDbCheckpointStore.class);

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
        this.tableReady = DynamoDbTables.ready(client, tableName, "Checkpoint", STREAM_ARN, SHARD_ID,
                options.createTableIfAbsent(), options.tableCreationTimeout());
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
        String padded = checkpoint.sequenceNumber() == null ? NO_SEQUENCE_NUMBER
                : SequenceNumbers.padded(checkpoint.sequenceNumber());
        item.put(PADDED_SEQUENCE_NUMBER, AttributeValue.fromS(padded));
        item.put(ENDED, AttributeValue.fromBool(checkpoint.ended()));
        item.put(UPDATED_AT, AttributeValue.fromS(clock.instant().toString()));
        // Never back: a shard's end is after every position in it; within the same state, compare positions.
        // A stored item without the padded attribute (written by an earlier version) is replaced unless ended.
        String condition = checkpoint.ended()
                ? "attribute_not_exists(#padded) OR #ended <> :true OR #padded <= :padded"
                : "(attribute_not_exists(#padded) OR #padded <= :padded) AND #ended <> :true";
        return Mono.fromFuture(() -> client.putItem(r -> r.tableName(tableName).item(item)
                        .conditionExpression("attribute_not_exists(#ended) OR " + "(" + condition + ")")
                        .expressionAttributeNames(Map.of("#padded", PADDED_SEQUENCE_NUMBER, "#ended", ENDED))
                        .expressionAttributeValues(Map.of(":padded", AttributeValue.fromS(padded),
                                ":true", AttributeValue.fromBool(true)))))
                .then()
                .onErrorResume(ConditionalCheckFailedException.class, behind -> {
                    log.debug("Checkpoint {} of stream {} not written: table '{}' holds a later one (another receiver"
                            + " on this store is ahead)", checkpoint, streamArn, tableName);
                    return Mono.empty();
                });
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

    private static void requireStreamArn(String streamArn) {
        Objects.requireNonNull(streamArn, "streamArn");
        if (streamArn.isEmpty()) {
            throw new IllegalArgumentException("streamArn must not be empty");
        }
    }
}
