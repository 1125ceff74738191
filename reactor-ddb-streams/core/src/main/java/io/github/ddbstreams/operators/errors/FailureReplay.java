package io.github.ddbstreams.operators.errors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

import io.github.ddbstreams.operators.errors.FailedRecord.Reason;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import reactor.core.publisher.Flux;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Replays the failures a {@link DynamoDbFailureDestination} stored: reads them back as {@link ChangeRecord}s,
 * rebuilt as they were read from the stream, to run through the same pipeline (operators and sink) again,
 * and marks each failure replayed when its record is acknowledged.
 *
 * <p><b>What is read</b>: every failure of the table, or those the {@link FailureReplayOptions} select by
 * stream and shard (one shard of one stream is a Query, anything else a Scan), by
 * {@link FailedRecord.Reason reason} and by the time they were given up; by default only those not yet
 * replayed. Items written before this class existed are read too. Records come in the table's order: by
 * shard, then by sequence number within a shard (a Scan visits shards in no particular order). Reads are
 * strongly consistent, page by page ({@link FailureReplayOptions#pageSize()}) as downstream demand asks.
 *
 * <p><b>Marking</b>: a record's {@link io.github.ddbstreams.record.RecordCheckpoint#acknowledge() acknowledge()}
 * sets {@value DynamoDbFailureDestination#REPLAYED_AT} and increments
 * {@value DynamoDbFailureDestination#REPLAY_COUNT} on its item (once per record; {@code commit()} completes when
 * that write is done). The write is conditional on the failure being the one read: a record that fails again
 * during its replay is written anew by the destination and stays unreplayed. A record never acknowledged is
 * not marked and is read again by the next replay. {@link ErrorHandling} acknowledges each record it
 * processed or stored in its destination, so a pipeline built on it needs nothing more.
 *
 * <p>Thread-safe; each subscription to {@link #records()} or {@link #failures()} reads the table anew.
 * Never closes the client.
 *
 * <pre>{@code
 * FailureReplay replay = FailureReplay.create(FailureReplayOptions.builder()
 *     .client(dynamoDb).tableName("orders-indexer-failures")
 *     .reasons(FailedRecord.Reason.POISON_RECORD)
 *     .build());
 * replay.records()
 *     .bufferTimeout(100, Duration.ofSeconds(1)).map(RecordBatch::of)
 *     .transform(ErrorHandling.process(errorHandlingOptions, batch -> openSearchSink.write(batch)))
 *     .blockLast();
 * }</pre>
 */
public final class FailureReplay {

    private final FailureReplayOptions options;
    private final DynamoDbAsyncClient client;
    private final String tableName;

    private FailureReplay(FailureReplayOptions options) {
        this.options = options;
        this.client = options.client();
        this.tableName = options.tableName();
    }

    /**
     * Creates a replay of the failure table named in the options. Makes no call to DynamoDB until subscribed.
     *
     * <pre>{@code
     * FailureReplay replay = FailureReplay.create(options);
     * }</pre>
     */
    public static FailureReplay create(FailureReplayOptions options) {
        return new FailureReplay(Objects.requireNonNull(options, "options"));
    }

    /** The options of this replay. */
    public FailureReplayOptions options() {
        return options;
    }

    /**
     * The selected failures' records, each with a checkpoint that marks its failure replayed when
     * acknowledged. Completes after the last page; fails when the table cannot be read or an item cannot be
     * rebuilt (an {@link IllegalStateException} naming its shard and sequence number).
     *
     * <pre>{@code
     * replay.records().concatMap(r -> sink.write(r).then(r.checkpoint().commit())).blockLast();
     * }</pre>
     */
    public Flux<ChangeRecord> records() {
        return failures().map(StoredFailure::record);
    }

    /**
     * The selected failures with what the table says about them (reason, error, attempts, times, replays):
     * to list them, or to choose per failure. Their records' checkpoints mark the failure replayed, as
     * {@link #records()}' do; reading alone marks nothing.
     *
     * <pre>{@code
     * replay.failures().doOnNext(f -> log.info("{} {}", f.reason(), f.errorMessage())).blockLast();
     * }</pre>
     */
    public Flux<StoredFailure> failures() {
        // a new paginator per subscription: each one reads the table anew
        Flux<Map<String, AttributeValue>> items = Flux.defer(() -> options.streamArn().isPresent()
                && options.shardId().isPresent()
                ? Flux.from(client.queryPaginator(query()).items())
                : Flux.from(client.scanPaginator(scan()).items()));
        return items.filter(this::inTimeWindow).map(this::toFailure);
    }

    @Override
    public String toString() {
        return "FailureReplay{tableName=" + tableName + "}";
    }

    private QueryRequest query() {
        Filter filter = filter(false);
        filter.names.put("#shard", DynamoDbFailureDestination.SHARD);
        filter.values.put(":shard", AttributeValue.fromS(options.streamArn().orElseThrow() + '#'
                + options.shardId().orElseThrow()));
        QueryRequest.Builder request = QueryRequest.builder().tableName(tableName).consistentRead(true)
                .limit(options.pageSize()).keyConditionExpression("#shard = :shard")
                .expressionAttributeNames(filter.names).expressionAttributeValues(filter.values);
        if (!filter.conditions.isEmpty()) {
            request.filterExpression(String.join(" AND ", filter.conditions));
        }
        return request.build();
    }

    private ScanRequest scan() {
        Filter filter = filter(true);
        ScanRequest.Builder request = ScanRequest.builder().tableName(tableName).consistentRead(true)
                .limit(options.pageSize());
        if (!filter.conditions.isEmpty()) {
            request.filterExpression(String.join(" AND ", filter.conditions)).expressionAttributeNames(filter.names);
        }
        if (!filter.values.isEmpty()) { // DynamoDB rejects an empty map
            request.expressionAttributeValues(filter.values);
        }
        return request.build();
    }

    /** The filter expression's parts; the time window is applied here (ISO-8601 strings do not sort as instants). */
    private Filter filter(boolean scan) {
        Filter filter = new Filter();
        if (scan) {
            options.streamArn().ifPresent(arn -> filter.equal(DynamoDbFailureDestination.STREAM_ARN, arn));
            options.shardId().ifPresent(id -> filter.equal(DynamoDbFailureDestination.SHARD_ID, id));
        }
        if (options.reasons().size() < Reason.values().length) {
            filter.names.put("#reason", DynamoDbFailureDestination.REASON);
            List<String> placeholders = new ArrayList<>();
            for (Reason reason : options.reasons()) {
                String placeholder = ":reason" + placeholders.size();
                placeholders.add(placeholder);
                filter.values.put(placeholder, AttributeValue.fromS(reason.name()));
            }
            filter.conditions.add("#reason IN (" + String.join(", ", placeholders) + ")");
        }
        if (!options.includeReplayed()) {
            filter.names.put("#replayedAt", DynamoDbFailureDestination.REPLAYED_AT);
            filter.conditions.add("attribute_not_exists(#replayedAt)");
        }
        return filter;
    }

    private boolean inTimeWindow(Map<String, AttributeValue> item) {
        if (options.failedAfter().isEmpty() && options.failedBefore().isEmpty()) {
            return true;
        }
        Instant failedAt = instant(item, DynamoDbFailureDestination.FAILED_AT);
        if (failedAt == null) {
            return false;
        }
        return options.failedAfter().map(after -> !failedAt.isBefore(after)).orElse(true)
                && options.failedBefore().map(failedAt::isBefore).orElse(true);
    }

    private StoredFailure toFailure(Map<String, AttributeValue> item) {
        String shard = string(item, DynamoDbFailureDestination.SHARD);
        String paddedSequence = string(item, DynamoDbFailureDestination.SEQUENCE_NUMBER);
        try {
            String failedAt = string(item, DynamoDbFailureDestination.FAILED_AT);
            Map<String, AttributeValue> key = Map.of(
                    DynamoDbFailureDestination.SHARD, item.get(DynamoDbFailureDestination.SHARD),
                    DynamoDbFailureDestination.SEQUENCE_NUMBER, item.get(DynamoDbFailureDestination.SEQUENCE_NUMBER));
            ReplayCheckpoint checkpoint = new ReplayCheckpoint(client, tableName, key, failedAt, options.clock());
            ChangeRecord record = toRecord(item).toBuilder().checkpoint(checkpoint).build();
            String attempts = number(item, DynamoDbFailureDestination.ATTEMPTS);
            String replayCount = number(item, DynamoDbFailureDestination.REPLAY_COUNT);
            return new StoredFailure(record, Reason.valueOf(string(item, DynamoDbFailureDestination.REASON)),
                    orEmpty(string(item, DynamoDbFailureDestination.ERROR_TYPE)),
                    orEmpty(string(item, DynamoDbFailureDestination.ERROR_MESSAGE)),
                    attempts == null ? 0 : Integer.parseInt(attempts),
                    instant(item, DynamoDbFailureDestination.FIRST_ATTEMPT_AT), Instant.parse(failedAt),
                    instant(item, DynamoDbFailureDestination.REPLAYED_AT),
                    replayCount == null ? 0 : Integer.parseInt(replayCount));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Failure item " + shard + " / " + paddedSequence + " of table '" + tableName
                    + "' cannot be replayed: " + e.getMessage(), e);
        }
    }

    /**
     * The record an item holds, as the stream gave it (checkpoint aside). Fields items written before replay
     * support lack take {@link ChangeRecord}'s defaults: event version 1.1, source aws:dynamodb, size 0.
     */
    static ChangeRecord toRecord(Map<String, AttributeValue> item) {
        String shardId = string(item, DynamoDbFailureDestination.SHARD_ID);
        String streamArn = string(item, DynamoDbFailureDestination.STREAM_ARN);
        Instant created = instant(item, DynamoDbFailureDestination.APPROXIMATE_CREATION_TIME);
        String format = string(item, DynamoDbFailureDestination.PAYLOAD_FORMAT);
        if (DynamoDbFailureDestination.FORMAT_LAMBDA_EVENT_GZIP.equals(format)) {
            AttributeValue compressed = item.get(DynamoDbFailureDestination.LAMBDA_EVENT);
            if (compressed == null || compressed.b() == null) {
                throw new IllegalArgumentException("no '" + DynamoDbFailureDestination.LAMBDA_EVENT + "' attribute");
            }
            ChangeRecord.Builder b = ChangeRecord.fromLambdaEventJson(gunzip(compressed.b().asByteArrayUnsafe()))
                    .toBuilder().shardId(shardId).streamArn(streamArn);
            if (created != null) {
                b.approximateCreationTime(created); // the JSON holds whole seconds only
            }
            return b.build();
        }
        if (format != null && !DynamoDbFailureDestination.FORMAT_IMAGES.equals(format)) {
            throw new IllegalArgumentException("unknown " + DynamoDbFailureDestination.PAYLOAD_FORMAT + " '" + format + "'");
        }
        String eventName = string(item, DynamoDbFailureDestination.EVENT_NAME);
        if (eventName == null) {
            throw new IllegalArgumentException("no '" + DynamoDbFailureDestination.EVENT_NAME + "' attribute");
        }
        ChangeRecord.Builder b = ChangeRecord.builder()
                .eventId(string(item, DynamoDbFailureDestination.EVENT_ID))
                .eventName(EventName.valueOf(eventName))
                .eventVersion(string(item, DynamoDbFailureDestination.EVENT_VERSION))
                .eventSource(string(item, DynamoDbFailureDestination.EVENT_SOURCE))
                .awsRegion(string(item, DynamoDbFailureDestination.AWS_REGION))
                .keys(map(item, DynamoDbFailureDestination.KEYS))
                .oldImage(map(item, DynamoDbFailureDestination.OLD_IMAGE))
                .newImage(map(item, DynamoDbFailureDestination.NEW_IMAGE))
                .sequenceNumber(sequenceNumber(item))
                .approximateCreationTime(created)
                .shardId(shardId)
                .streamArn(streamArn);
        String sizeBytes = number(item, DynamoDbFailureDestination.SIZE_BYTES);
        if (sizeBytes != null) {
            b.sizeBytes(Long.parseLong(sizeBytes));
        }
        String viewType = string(item, DynamoDbFailureDestination.STREAM_VIEW_TYPE);
        if (viewType != null) {
            b.streamViewType(StreamViewType.fromValue(viewType));
        }
        Map<String, AttributeValue> identity = map(item, DynamoDbFailureDestination.USER_IDENTITY);
        if (identity != null) {
            b.userIdentity(Identity.builder().type(string(identity, "type")).principalId(string(identity, "principalId"))
                    .build());
        }
        return b.build();
    }

    /** The sequence number as the stream wrote it: the sort key without its padding zeros. */
    private static String sequenceNumber(Map<String, AttributeValue> item) {
        String padded = string(item, DynamoDbFailureDestination.SEQUENCE_NUMBER);
        if (padded == null) {
            throw new IllegalArgumentException("no '" + DynamoDbFailureDestination.SEQUENCE_NUMBER + "' attribute");
        }
        int start = 0;
        while (start < padded.length() - 1 && padded.charAt(start) == '0') {
            start++;
        }
        return padded.substring(start);
    }

    private static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    private static String number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.n();
    }

    private static Map<String, AttributeValue> map(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || !value.hasM() ? null : value.m();
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        String text = string(item, name);
        return text == null ? null : Instant.parse(text);
    }

    private static String orEmpty(String text) {
        return text == null ? "" : text;
    }

    private static String gunzip(byte[] compressed) {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(compressed))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(compressed.length * 4);
            in.transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("the compressed Lambda event cannot be read", e);
        }
    }

    /** The parts of a filter expression. */
    private static final class Filter {
        final List<String> conditions = new ArrayList<>();
        final Map<String, String> names = new HashMap<>();
        final Map<String, AttributeValue> values = new HashMap<>();

        void equal(String attribute, String value) {
            String n = "#f" + names.size();
            String v = ":f" + values.size();
            names.put(n, attribute);
            values.put(v, AttributeValue.fromS(value));
            conditions.add(n + " = " + v);
        }
    }
}
