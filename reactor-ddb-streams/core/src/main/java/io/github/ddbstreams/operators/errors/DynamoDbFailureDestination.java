package io.github.ddbstreams.operators.errors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import io.github.ddbstreams.internal.DynamoDbTables;
import io.github.ddbstreams.internal.ItemSizes;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.ItemKey;
import io.github.ddbstreams.record.SequenceNumbers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * A {@link FailureDestination} writing one item per failed record, with the <b>full record</b>, to a DynamoDB
 * table.
 *
 * <p>Table layout: partition key {@value #SHARD} (S, {@code streamArn#shardId}), sort key
 * {@value #SEQUENCE_NUMBER} (S, the sequence number left-padded with zeros to 40 digits so it sorts as a
 * string; longer ones are kept as they are). Attributes: {@value #STREAM_ARN}, {@value #SHARD_ID},
 * {@value #EVENT_ID}, {@value #EVENT_NAME}, {@value #APPROXIMATE_CREATION_TIME} (when known), {@value #REASON},
 * {@value #ERROR_TYPE}, {@value #ERROR_MESSAGE} (truncated), {@value #ATTEMPTS} (N), {@value #FIRST_ATTEMPT_AT}
 * (when attempted), {@value #FAILED_AT} (ISO-8601 strings), {@value #ITEM_KEY} (S, the canonical
 * {@link ChangeRecord#itemKey() item key} as JSON, equal for every failure of one item however its key was
 * written), {@value #EVENT_VERSION}, {@value #EVENT_SOURCE}, {@value #AWS_REGION}, {@value #SIZE_BYTES},
 * {@value #STREAM_VIEW_TYPE}, {@value #USER_IDENTITY} (so that {@link FailureReplay} rebuilds the record
 * exactly), the fields of Lambda's on-failure invocation record ({@value #DDB_STREAM_BATCH_INFO},
 * {@value #REQUEST_CONTEXT}, {@value #VERSION}, {@value #TIMESTAMP}: runbooks written for Lambda's destination
 * read them), {@value #PAYLOAD_FORMAT}, and the record itself:
 * <ul>
 *   <li>{@value #PAYLOAD_FORMAT} {@value #FORMAT_IMAGES}: {@value #KEYS}, {@value #OLD_IMAGE},
 *       {@value #NEW_IMAGE} as native DynamoDB maps (M; an absent image is omitted);</li>
 *   <li>{@value #PAYLOAD_FORMAT} {@value #FORMAT_LAMBDA_EVENT_GZIP}, when the item would exceed DynamoDB's
 *       400 KB item limit: {@value #KEYS} as a map and {@value #LAMBDA_EVENT} (B), the record's
 *       {@link ChangeRecord#toLambdaEventJson() Lambda event JSON} compressed with gzip. If even that is too
 *       large, {@link #send} fails (the operator then fails its Flux: nothing is lost silently).</li>
 * </ul>
 * With {@link DynamoDbFailureDestinationOptions#timeToLiveAttributeName()} set, each item also has that
 * attribute (N, epoch seconds) and the table's time to live is enabled on it when it has none.
 *
 * <p>{@link FailureReplay} reads the items back as records, re-drives them through a pipeline and marks each
 * one replayed ({@value #REPLAYED_AT}, {@value #REPLAY_COUNT}). Items written before the record fields and
 * Lambda fields existed are still read (the missing record fields take {@link ChangeRecord}'s defaults).
 *
 * <p>Writes with BatchWriteItem, 25 items per request, retrying unprocessed items with backoff; a record sent
 * twice overwrites its item (idempotent). The table is checked (and created, unless
 * {@link DynamoDbFailureDestinationOptions#createTableIfAbsent()} is false) on first use. Thread-safe,
 * non-blocking; never closes the client.
 *
 * <pre>{@code
 * FailureDestination destination = DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions.builder()
 *     .client(dynamoDb).tableName("orders-indexer-failures").build());
 * }</pre>
 */
public final class DynamoDbFailureDestination implements FailureDestination {

    /** Partition key: {@code streamArn#shardId}. */
    public static final String SHARD = "shard";
    /** Sort key: the sequence number, zero-padded to 40 digits. */
    public static final String SEQUENCE_NUMBER = "sequenceNumber";
    /** The stream ARN (S). */
    public static final String STREAM_ARN = "streamArn";
    /** The shard id (S). */
    public static final String SHARD_ID = "shardId";
    /** The record's event id (S). */
    public static final String EVENT_ID = "eventId";
    /** INSERT, MODIFY or REMOVE (S). */
    public static final String EVENT_NAME = "eventName";
    /** The record's approximate creation time, ISO-8601 (S), when known. */
    public static final String APPROXIMATE_CREATION_TIME = "approximateCreationTime";
    /** The {@link FailedRecord.Reason} (S). */
    public static final String REASON = "reason";
    /** The class of the last error (S, empty when none). */
    public static final String ERROR_TYPE = "errorType";
    /** The message of the last error, truncated (S, empty when none). */
    public static final String ERROR_MESSAGE = "errorMessage";
    /** How many attempts were made (N). */
    public static final String ATTEMPTS = "attempts";
    /** When the first attempt started, ISO-8601 (S), absent when never attempted. */
    public static final String FIRST_ATTEMPT_AT = "firstAttemptAt";
    /** When the record was given up, ISO-8601 (S). */
    public static final String FAILED_AT = "failedAt";
    /** How the record is stored: {@value #FORMAT_IMAGES} or {@value #FORMAT_LAMBDA_EVENT_GZIP} (S). */
    public static final String PAYLOAD_FORMAT = "payloadFormat";
    /** The item's key attributes (M), as the stream carried them. */
    public static final String KEYS = "keys";
    /**
     * The item's canonical key (S, {@link io.github.ddbstreams.record.ItemKey#toJson()}, e.g. {@code {"pk":1}}):
     * one string per item however its key was written, to find or group an item's failures; absent when the
     * record has no (valid) keys.
     */
    public static final String ITEM_KEY = "itemKey";
    /** The old image (M), with {@value #FORMAT_IMAGES}. */
    public static final String OLD_IMAGE = "oldImage";
    /** The new image (M), with {@value #FORMAT_IMAGES}. */
    public static final String NEW_IMAGE = "newImage";
    /** The gzip-compressed Lambda event JSON of the record (B), with {@value #FORMAT_LAMBDA_EVENT_GZIP}. */
    public static final String LAMBDA_EVENT = "lambdaEvent";
    /** The record's event version (S), on items written since replay support. */
    public static final String EVENT_VERSION = "eventVersion";
    /** The record's event source (S), on items written since replay support. */
    public static final String EVENT_SOURCE = "eventSource";
    /** The record's AWS region (S, when known), on items written since replay support. */
    public static final String AWS_REGION = "awsRegion";
    /** The record's size in bytes as the stream reported it (N), on items written since replay support. */
    public static final String SIZE_BYTES = "sizeBytes";
    /** The stream view type (S, when known), on items written since replay support. */
    public static final String STREAM_VIEW_TYPE = "streamViewType";
    /** The user identity (M of {@code type}, {@code principalId}) of a time-to-live delete, when present. */
    public static final String USER_IDENTITY = "userIdentity";
    /**
     * Lambda's on-failure batch info for DynamoDB streams (M), so runbooks written for Lambda's on-failure
     * destination apply: {@code shardId}, {@code startSequenceNumber} and {@code endSequenceNumber} (both the
     * record's, unpadded), {@code approximateArrivalOfFirstRecord} and {@code approximateArrivalOfLastRecord}
     * (the record's approximate creation time, ISO-8601, when known), {@code batchSize} (N, always 1: one item
     * per record) and {@code streamArn}.
     */
    public static final String DDB_STREAM_BATCH_INFO = "DDBStreamBatchInfo";
    /**
     * Lambda's request context (M): {@code condition} ({@value #CONDITION_RETRY_ATTEMPTS_EXHAUSTED} for
     * {@link FailedRecord.Reason#RETRIES_EXHAUSTED} and {@link FailedRecord.Reason#POISON_RECORD},
     * {@value #CONDITION_RECORD_AGE_EXCEEDED} for {@link FailedRecord.Reason#MAX_AGE_EXCEEDED}) and
     * {@code approximateInvokeCount} (N, the attempts).
     */
    public static final String REQUEST_CONTEXT = "requestContext";
    /** The version of Lambda's invocation record format (S, {@code "1.0"}). */
    public static final String VERSION = "version";
    /** When the record was given up, as in Lambda's invocation record (S, ISO-8601; equal to {@value #FAILED_AT}). */
    public static final String TIMESTAMP = "timestamp";
    /** The condition Lambda writes when every retry failed. */
    public static final String CONDITION_RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted";
    /**
     * The condition written for a record older than the maximum record age. Lambda's documentation shows only
     * {@value #CONDITION_RETRY_ATTEMPTS_EXHAUSTED} for streams; this name is ours, chosen to read alike.
     */
    public static final String CONDITION_RECORD_AGE_EXCEEDED = "RecordAgeExceeded";
    /** When the record was last replayed by {@link FailureReplay} (S, ISO-8601); absent until then. */
    public static final String REPLAYED_AT = "replayedAt";
    /** How many times {@link FailureReplay} replayed the record (N); absent until then. */
    public static final String REPLAY_COUNT = "replayCount";
    /** {@value #PAYLOAD_FORMAT}: images as native maps. */
    public static final String FORMAT_IMAGES = "IMAGES";
    /** {@value #PAYLOAD_FORMAT}: the record as gzip-compressed Lambda event JSON in {@value #LAMBDA_EVENT}. */
    public static final String FORMAT_LAMBDA_EVENT_GZIP = "LAMBDA_EVENT_JSON_GZIP";

    /** Every attribute name this destination writes (a time-to-live attribute must be another). */
    static final Set<String> ATTRIBUTES = Set.of(SHARD, SEQUENCE_NUMBER, STREAM_ARN, SHARD_ID, EVENT_ID, EVENT_NAME,
            APPROXIMATE_CREATION_TIME, REASON, ERROR_TYPE, ERROR_MESSAGE, ATTEMPTS, FIRST_ATTEMPT_AT, FAILED_AT,
            PAYLOAD_FORMAT, KEYS, ITEM_KEY, OLD_IMAGE, NEW_IMAGE, LAMBDA_EVENT, EVENT_VERSION, EVENT_SOURCE, AWS_REGION,
            SIZE_BYTES, STREAM_VIEW_TYPE, USER_IDENTITY, DDB_STREAM_BATCH_INFO, REQUEST_CONTEXT, VERSION, TIMESTAMP,
            REPLAYED_AT, REPLAY_COUNT);

    /** DynamoDB's item size limit is 400 KB; keep a margin for the size estimate. */
    static final int MAX_ITEM_BYTES = 400 * 1024 - 8 * 1024;
    /** BatchWriteItem takes at most 25 items. */
    static final int BATCH_SIZE = 25;
    /** How many BatchWriteItem calls a chunk may take to write its unprocessed items. */
    static final int MAX_UNPROCESSED_ATTEMPTS = 10;
    private static final BackoffStrategy UNPROCESSED_BACKOFF =
            BackoffStrategy.exponentialDelayHalfJitter(Duration.ofMillis(50), Duration.ofSeconds(5));
    private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);

    private static final Logger log = LoggerFactory.getLogger(DynamoDbFailureDestination.class);

    private final DynamoDbFailureDestinationOptions options;
    private final DynamoDbAsyncClient client;
    private final String tableName;
    private final Mono<Void> tableReady;

    private DynamoDbFailureDestination(DynamoDbFailureDestinationOptions options) {
        this.options = options;
        this.client = options.client();
        this.tableName = options.tableName();
        // Prepared once and shared; a failure is not cached so the next send tries again.
        this.tableReady = DynamoDbTables.ready(client, tableName, "Failure", SHARD, SEQUENCE_NUMBER,
                        options.createTableIfAbsent(), options.tableCreationTimeout())
                .then(Mono.defer(this::enableTimeToLive))
                .cache(ignored -> FOREVER, error -> Duration.ZERO, () -> FOREVER);
    }

    /**
     * Creates a destination over the table named in the options. Makes no call to DynamoDB: the table is
     * checked (and created, if allowed) on the first {@link #send}.
     *
     * <pre>{@code
     * FailureDestination destination = DynamoDbFailureDestination.create(options);
     * }</pre>
     */
    public static DynamoDbFailureDestination create(DynamoDbFailureDestinationOptions options) {
        return new DynamoDbFailureDestination(Objects.requireNonNull(options, "options"));
    }

    /** The options of this destination. */
    public DynamoDbFailureDestinationOptions options() {
        return options;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Completes once every item is written; fails with an {@link IllegalStateException} when the table is
     * unusable, when unprocessed items remain after {@value #MAX_UNPROCESSED_ATTEMPTS} calls, or when a
     * record is too large even compressed. An empty list completes without calling DynamoDB.
     */
    @Override
    public Mono<Void> send(List<FailedRecord> failures) {
        Objects.requireNonNull(failures, "failures");
        if (failures.isEmpty()) {
            return Mono.empty();
        }
        List<FailedRecord> copy = List.copyOf(failures);
        return tableReady.then(Mono.fromCallable(() -> toRequests(copy)))
                .flatMapMany(requests -> Flux.fromIterable(chunks(requests)))
                .concatMap(chunk -> write(chunk, 1))
                .then();
    }

    @Override
    public String toString() {
        return "DynamoDbFailureDestination{tableName=" + tableName + "}";
    }

    private Mono<Void> enableTimeToLive() {
        String attribute = options.timeToLiveAttributeName().orElse(null);
        if (attribute == null) {
            return Mono.empty();
        }
        return Mono.fromFuture(() -> client.describeTimeToLive(r -> r.tableName(tableName)))
                .flatMap(response -> {
                    var description = response.timeToLiveDescription();
                    TimeToLiveStatus status = description == null ? null : description.timeToLiveStatus();
                    if (status == null || status == TimeToLiveStatus.DISABLED) {
                        return Mono.fromFuture(() -> client.updateTimeToLive(r -> r.tableName(tableName)
                                        .timeToLiveSpecification(s -> s.attributeName(attribute).enabled(true))))
                                .doOnNext(ok -> log.info("Enabled time to live on attribute '{}' of failure table '{}'",
                                        attribute, tableName))
                                .then();
                    }
                    if (!attribute.equals(description.attributeName())) {
                        log.warn("Failure table '{}' has time to live on attribute '{}', not on '{}' that items get: "
                                + "they will not expire", tableName, description.attributeName(), attribute);
                    }
                    return Mono.empty();
                });
    }

    private List<WriteRequest> toRequests(List<FailedRecord> failures) {
        // BatchWriteItem rejects two requests for one key: the last one of a record wins
        Map<String, WriteRequest> byKey = new LinkedHashMap<>();
        for (FailedRecord failure : failures) {
            Map<String, AttributeValue> item = toItem(failure);
            String key = item.get(SHARD).s() + '\n' + item.get(SEQUENCE_NUMBER).s();
            byKey.put(key, WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
        }
        return new ArrayList<>(byKey.values());
    }

    private static List<List<WriteRequest>> chunks(List<WriteRequest> requests) {
        List<List<WriteRequest>> chunks = new ArrayList<>((requests.size() + BATCH_SIZE - 1) / BATCH_SIZE);
        for (int i = 0; i < requests.size(); i += BATCH_SIZE) {
            chunks.add(requests.subList(i, Math.min(requests.size(), i + BATCH_SIZE)));
        }
        return chunks;
    }

    private Mono<Void> write(List<WriteRequest> requests, int attempt) {
        return Mono.fromFuture(() -> client.batchWriteItem(r -> r.requestItems(Map.of(tableName, requests))))
                .flatMap(response -> {
                    List<WriteRequest> unprocessed = response.hasUnprocessedItems()
                            ? response.unprocessedItems().getOrDefault(tableName, List.of()) : List.of();
                    if (unprocessed.isEmpty()) {
                        return Mono.empty();
                    }
                    if (attempt >= MAX_UNPROCESSED_ATTEMPTS) {
                        return Mono.error(new IllegalStateException(unprocessed.size() + " items stayed unprocessed in "
                                + "failure table '" + tableName + "' after " + attempt + " BatchWriteItem calls"));
                    }
                    log.debug("{} items unprocessed in failure table '{}', retrying", unprocessed.size(), tableName);
                    return Mono.delay(UNPROCESSED_BACKOFF.computeDelay(attempt)).then(write(unprocessed, attempt + 1));
                });
    }

    /** The item of a failed record; package-private for tests. */
    Map<String, AttributeValue> toItem(FailedRecord failure) {
        ChangeRecord record = failure.record();
        Map<String, AttributeValue> item = new HashMap<>(24);
        item.put(SHARD, AttributeValue.fromS(record.streamArn() + '#' + record.shardId()));
        item.put(SEQUENCE_NUMBER, AttributeValue.fromS(padded(record.sequenceNumber())));
        item.put(STREAM_ARN, AttributeValue.fromS(record.streamArn()));
        item.put(SHARD_ID, AttributeValue.fromS(record.shardId()));
        item.put(EVENT_ID, AttributeValue.fromS(record.eventId()));
        item.put(EVENT_NAME, AttributeValue.fromS(record.eventName().name()));
        if (record.approximateCreationTime() != null) {
            item.put(APPROXIMATE_CREATION_TIME, AttributeValue.fromS(record.approximateCreationTime().toString()));
        }
        item.put(REASON, AttributeValue.fromS(failure.reason().name()));
        item.put(ERROR_TYPE, AttributeValue.fromS(failure.errorType()));
        item.put(ERROR_MESSAGE, AttributeValue.fromS(truncate(failure.errorMessage(), options.maxErrorMessageLength())));
        item.put(ATTEMPTS, AttributeValue.fromN(Integer.toString(failure.attempts())));
        if (failure.firstAttemptAt() != null) {
            item.put(FIRST_ATTEMPT_AT, AttributeValue.fromS(failure.firstAttemptAt().toString()));
        }
        item.put(FAILED_AT, AttributeValue.fromS(failure.failedAt().toString()));
        options.timeToLiveAttributeName().ifPresent(attribute -> item.put(attribute, AttributeValue.fromN(
                Long.toString(failure.failedAt().plus(options.timeToLive().orElseThrow()).getEpochSecond()))));
        item.put(KEYS, AttributeValue.fromM(record.keys()));
        putRecordFields(item, record);
        putLambdaFields(item, failure);
        String itemKey = itemKeyOf(record);
        if (itemKey != null) {
            item.put(ITEM_KEY, AttributeValue.fromS(itemKey));
        }

        long baseSize = ItemSizes.itemBytes(item);
        long imagesSize = imageBytes(OLD_IMAGE, record.oldImage()) + imageBytes(NEW_IMAGE, record.newImage());
        if (baseSize + imagesSize <= MAX_ITEM_BYTES) {
            item.put(PAYLOAD_FORMAT, AttributeValue.fromS(FORMAT_IMAGES));
            putImage(item, OLD_IMAGE, record.oldImage());
            putImage(item, NEW_IMAGE, record.newImage());
            return item;
        }
        byte[] compressed = gzip(record.toLambdaEventJson());
        if (baseSize + LAMBDA_EVENT.length() + compressed.length > MAX_ITEM_BYTES) {
            throw new IllegalStateException("Record sequenceNumber=" + record.sequenceNumber() + " of shard "
                    + record.shardId() + " does not fit a DynamoDB item even compressed (" + compressed.length
                    + " bytes of gzip); it cannot be stored in failure table '" + tableName + "'");
        }
        log.debug("Record {} of shard {} is too large for an item with its images ({} bytes): storing it compressed",
                record.sequenceNumber(), record.shardId(), baseSize + imagesSize);
        item.put(PAYLOAD_FORMAT, AttributeValue.fromS(FORMAT_LAMBDA_EVENT_GZIP));
        item.put(LAMBDA_EVENT, AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(compressed)));
        return item;
    }

    /** What a replay needs to rebuild the record exactly besides its keys and images. */
    private static void putRecordFields(Map<String, AttributeValue> item, ChangeRecord record) {
        item.put(EVENT_VERSION, AttributeValue.fromS(record.eventVersion()));
        item.put(EVENT_SOURCE, AttributeValue.fromS(record.eventSource()));
        if (!record.awsRegion().isEmpty()) {
            item.put(AWS_REGION, AttributeValue.fromS(record.awsRegion()));
        }
        item.put(SIZE_BYTES, AttributeValue.fromN(Long.toString(record.sizeBytes())));
        StreamViewType viewType = record.streamViewType();
        if (viewType != null && viewType != StreamViewType.UNKNOWN_TO_SDK_VERSION) {
            item.put(STREAM_VIEW_TYPE, AttributeValue.fromS(viewType.toString()));
        }
        Identity identity = record.userIdentity();
        if (identity != null) {
            Map<String, AttributeValue> map = new LinkedHashMap<>(2);
            if (identity.type() != null) {
                map.put("type", AttributeValue.fromS(identity.type()));
            }
            if (identity.principalId() != null) {
                map.put("principalId", AttributeValue.fromS(identity.principalId()));
            }
            item.put(USER_IDENTITY, AttributeValue.fromM(map));
        }
    }

    /** The fields of Lambda's on-failure invocation record for DynamoDB streams, for one record. */
    private static void putLambdaFields(Map<String, AttributeValue> item, FailedRecord failure) {
        ChangeRecord record = failure.record();
        Map<String, AttributeValue> batchInfo = new LinkedHashMap<>(8);
        batchInfo.put("shardId", AttributeValue.fromS(record.shardId()));
        batchInfo.put("startSequenceNumber", AttributeValue.fromS(record.sequenceNumber()));
        batchInfo.put("endSequenceNumber", AttributeValue.fromS(record.sequenceNumber()));
        if (record.approximateCreationTime() != null) {
            AttributeValue arrival = AttributeValue.fromS(record.approximateCreationTime().toString());
            batchInfo.put("approximateArrivalOfFirstRecord", arrival);
            batchInfo.put("approximateArrivalOfLastRecord", arrival);
        }
        batchInfo.put("batchSize", AttributeValue.fromN("1"));
        batchInfo.put("streamArn", AttributeValue.fromS(record.streamArn()));
        item.put(DDB_STREAM_BATCH_INFO, AttributeValue.fromM(batchInfo));
        item.put(REQUEST_CONTEXT, AttributeValue.fromM(Map.of(
                "condition", AttributeValue.fromS(condition(failure.reason())),
                "approximateInvokeCount", AttributeValue.fromN(Integer.toString(failure.attempts())))));
        item.put(VERSION, AttributeValue.fromS("1.0"));
        item.put(TIMESTAMP, AttributeValue.fromS(failure.failedAt().toString()));
    }

    /** Lambda's {@code requestContext.condition} for a reason. */
    static String condition(FailedRecord.Reason reason) {
        return reason == FailedRecord.Reason.MAX_AGE_EXCEEDED ? CONDITION_RECORD_AGE_EXCEEDED
                : CONDITION_RETRY_ATTEMPTS_EXHAUSTED;
    }

    /** The canonical key text, or null for a record without keys or with keys no DynamoDB table has. */
    private static String itemKeyOf(ChangeRecord record) {
        try {
            ItemKey key = record.itemKey();
            return key.isEmpty() ? null : key.toJson();
        } catch (IllegalArgumentException e) {
            return null; // a failure destination stores what it is given: the raw keys are still there
        }
    }

    private static long imageBytes(String name, Map<String, AttributeValue> image) {
        return image.isEmpty() ? 0 : name.length() + ItemSizes.valueBytes(AttributeValue.fromM(image));
    }

    private static void putImage(Map<String, AttributeValue> item, String name, Map<String, AttributeValue> image) {
        if (!image.isEmpty()) {
            item.put(name, AttributeValue.fromM(image));
        }
    }

    static String padded(String sequenceNumber) {
        return SequenceNumbers.padded(sequenceNumber);
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }

    private static byte[] gzip(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, text.length() / 4));
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not thrown by in-memory streams
        }
        return bytes.toByteArray();
    }
}
