package io.github.ddbstreams.backfill;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.github.ddbstreams.internal.DynamoDbTables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * A {@link BackfillPositionStore} in a DynamoDB table, one item per backfill segment.
 *
 * <p>Table layout: partition key {@value #BACKFILL_ID} (S), sort key {@value #SEGMENT} (S, the segment number
 * in decimal); attributes {@value #TABLE_NAME} (S), {@value #TOTAL_SEGMENTS} (N), {@value #LAST_EVALUATED_KEY}
 * (M, the key exactly as DynamoDB returned it; absent at the start and once completed), {@value #COMPLETED}
 * (BOOL), {@value #STARTED_AT} (S, ISO-8601), {@value #STREAM_ARN} (S, absent when the table had no stream).
 * Unless {@link DynamoDbBackfillPositionStoreOptions#createTableIfAbsent()} is false, the table is created
 * with on-demand billing on first use.
 *
 * <p>{@link #load} reads with a strongly consistent query; {@link #save} writes one item per segment, up to
 * {@value #SAVE_CONCURRENCY} at a time. Thread-safe and non-blocking; never closes the client.
 *
 * <pre>{@code
 * BackfillPositionStore store = DynamoDbBackfillPositionStore.create(DynamoDbBackfillPositionStoreOptions.builder()
 *     .client(dynamoDb).tableName("orders-backfill-positions").build());
 * }</pre>
 */
public final class DynamoDbBackfillPositionStore implements BackfillPositionStore {

    /** Partition key: the backfill id. */
    public static final String BACKFILL_ID = "backfillId";
    /** Sort key: the segment number. */
    public static final String SEGMENT = "segment";
    /** The table scanned. */
    public static final String TABLE_NAME = "tableName";
    /** The number of segments of the scan. */
    public static final String TOTAL_SEGMENTS = "totalSegments";
    /** The exclusive start key of the segment's next page. */
    public static final String LAST_EVALUATED_KEY = "lastEvaluatedKey";
    /** Whether the segment was scanned to its end and acknowledged. */
    public static final String COMPLETED = "completed";
    /** When the backfill started. */
    public static final String STARTED_AT = "startedAt";
    /** The table's stream when the backfill started. */
    public static final String STREAM_ARN = "streamArn";

    static final int SAVE_CONCURRENCY = 8;

    private final DynamoDbBackfillPositionStoreOptions options;
    private final DynamoDbAsyncClient client;
    private final String tableName;
    private final Mono<Void> tableReady;

    private DynamoDbBackfillPositionStore(DynamoDbBackfillPositionStoreOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.client = options.client();
        this.tableName = options.tableName();
        this.tableReady = DynamoDbTables.ready(client, tableName, "Backfill position", BACKFILL_ID, SEGMENT,
                options.createTableIfAbsent(), options.tableCreationTimeout());
    }

    /**
     * Creates a store over the table named in the options; the table is checked (or created) on first use.
     *
     * <pre>{@code
     * BackfillPositionStore store = DynamoDbBackfillPositionStore.create(options);
     * }</pre>
     */
    public static DynamoDbBackfillPositionStore create(DynamoDbBackfillPositionStoreOptions options) {
        return new DynamoDbBackfillPositionStore(options);
    }

    /** The options of this store. */
    public DynamoDbBackfillPositionStoreOptions options() {
        return options;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Fails with an {@link IllegalStateException} if the table is missing and may not be created, has
     * another key schema, or holds an invalid position item.
     */
    @Override
    public Mono<List<BackfillPosition>> load(String backfillId) {
        requireId(backfillId);
        QueryRequest query = QueryRequest.builder()
                .tableName(tableName)
                .keyConditionExpression("#id = :id")
                .expressionAttributeNames(Map.of("#id", BACKFILL_ID))
                .expressionAttributeValues(Map.of(":id", AttributeValue.fromS(backfillId)))
                .consistentRead(true)
                .build();
        return tableReady
                .thenMany(Flux.defer(() -> Flux.from(client.queryPaginator(query).items())))
                .map(item -> toPosition(backfillId, item))
                .collectList()
                .map(List::copyOf);
    }

    @Override
    public Mono<Void> save(String backfillId, Collection<BackfillPosition> positions) {
        requireId(backfillId);
        Objects.requireNonNull(positions, "positions");
        Map<Integer, BackfillPosition> latest = new LinkedHashMap<>();
        for (BackfillPosition position : positions) {
            Objects.requireNonNull(position, "positions must not contain null");
            latest.put(position.segment(), position);
        }
        if (latest.isEmpty()) {
            return Mono.empty();
        }
        List<BackfillPosition> toWrite = List.copyOf(latest.values());
        return tableReady.thenMany(Flux.fromIterable(toWrite)
                        .flatMap(position -> Mono.fromFuture(() -> client.putItem(r -> r.tableName(tableName)
                                .item(toItem(backfillId, position)))), SAVE_CONCURRENCY))
                .then();
    }

    @Override
    public String toString() {
        return "DynamoDbBackfillPositionStore{tableName=" + tableName + "}";
    }

    private static Map<String, AttributeValue> toItem(String backfillId, BackfillPosition position) {
        Map<String, AttributeValue> item = new HashMap<>(12);
        item.put(BACKFILL_ID, AttributeValue.fromS(backfillId));
        item.put(SEGMENT, AttributeValue.fromS(Integer.toString(position.segment())));
        item.put(TABLE_NAME, AttributeValue.fromS(position.tableName()));
        item.put(TOTAL_SEGMENTS, AttributeValue.fromN(Integer.toString(position.totalSegments())));
        if (!position.lastEvaluatedKey().isEmpty()) {
            item.put(LAST_EVALUATED_KEY, AttributeValue.fromM(position.lastEvaluatedKey()));
        }
        item.put(COMPLETED, AttributeValue.fromBool(position.isCompleted()));
        item.put(STARTED_AT, AttributeValue.fromS(position.startedAt().toString()));
        if (position.streamArn() != null) {
            item.put(STREAM_ARN, AttributeValue.fromS(position.streamArn()));
        }
        return item;
    }

    private BackfillPosition toPosition(String backfillId, Map<String, AttributeValue> item) {
        try {
            AttributeValue key = item.get(LAST_EVALUATED_KEY);
            AttributeValue completed = item.get(COMPLETED);
            AttributeValue stream = item.get(STREAM_ARN);
            return BackfillPosition.of(
                    item.get(TABLE_NAME).s(),
                    Integer.parseInt(item.get(SEGMENT).s()),
                    Integer.parseInt(item.get(TOTAL_SEGMENTS).n()),
                    key == null ? Map.of() : key.m(),
                    completed != null && Boolean.TRUE.equals(completed.bool()),
                    Instant.parse(item.get(STARTED_AT).s()),
                    stream == null ? null : stream.s());
        } catch (RuntimeException e) {
            throw new IllegalStateException("Backfill position table '" + tableName + "' holds an invalid position"
                    + " of backfill '" + backfillId + "' (segment " + item.get(SEGMENT) + "): " + e, e);
        }
    }

    private static void requireId(String backfillId) {
        Objects.requireNonNull(backfillId, "backfillId");
        if (backfillId.isEmpty()) {
            throw new IllegalArgumentException("backfillId must not be empty");
        }
    }
}
