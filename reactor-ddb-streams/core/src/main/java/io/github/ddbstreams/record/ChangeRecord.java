package io.github.ddbstreams.record;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import software.amazon.awssdk.enhanced.dynamodb.document.EnhancedDocument;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * One change of one item, read from a DynamoDB stream shard.
 *
 * <p>Immutable and thread-safe. Images are never null: an image the stream view type does not carry is an
 * empty map. {@link #sequenceNumber()} is a decimal string that may not fit a {@code long}; compare it
 * with {@link SequenceNumbers}. {@link #approximateCreationTime()} is coarse (seconds on AWS, minutes on
 * DynamoDB Local, sometimes absurd there): never use it for ordering.
 *
 * <p>Conversions: {@link #newImageAsMap()} (plain Java values), {@link #newImageAsDocument()} (the SDK's
 * {@link EnhancedDocument}) and {@link #toLambdaEventJson()} (the record in the shape a Lambda function
 * receives, so handler logic ports unchanged).
 *
 * <pre>{@code
 * receiver.receive()
 *     .filter(r -> r.eventName() == EventName.MODIFY)
 *     .doOnNext(r -> log.debug("{} -> {}", r.oldImageAsMap(), r.newImageAsMap()))
 *     .doOnNext(r -> r.checkpoint().acknowledge())
 *     .subscribe();
 * }</pre>
 *
 * <p>{@link #toString()} shows no item contents (keys and images may hold personal data).
 */
public final class ChangeRecord {

    private final String eventId;
    private final EventName eventName;
    private final String eventVersion;
    private final String eventSource;
    private final String awsRegion;
    private final Map<String, AttributeValue> keys;
    private final Map<String, AttributeValue> oldImage;
    private final Map<String, AttributeValue> newImage;
    private final String sequenceNumber;
    private final long sizeBytes;
    private final StreamViewType streamViewType;
    private final Instant approximateCreationTime;
    private final Identity userIdentity;
    private final String shardId;
    private final String streamArn;
    private final RecordCheckpoint checkpoint;
    /** Computed on first use; racy but safe, like String's hash: ItemKey is immutable with final fields. */
    private ItemKey itemKey;

    private ChangeRecord(Builder b) {
        this.eventId = b.eventId == null ? "" : b.eventId;
        this.eventName = Objects.requireNonNull(b.eventName, "eventName");
        this.eventVersion = b.eventVersion == null ? "1.1" : b.eventVersion;
        this.eventSource = b.eventSource == null ? "aws:dynamodb" : b.eventSource;
        this.awsRegion = b.awsRegion == null ? "" : b.awsRegion;
        this.keys = immutable(b.keys);
        this.oldImage = immutable(b.oldImage);
        this.newImage = immutable(b.newImage);
        this.sequenceNumber = SequenceNumbers.requireValid(b.sequenceNumber, "sequenceNumber");
        this.sizeBytes = b.sizeBytes;
        this.streamViewType = b.streamViewType;
        this.approximateCreationTime = b.approximateCreationTime;
        this.userIdentity = b.userIdentity;
        this.shardId = b.shardId == null ? "" : b.shardId;
        this.streamArn = b.streamArn == null ? "" : b.streamArn;
        this.checkpoint = b.checkpoint == null ? RecordCheckpoint.none() : b.checkpoint;
    }

    private static Map<String, AttributeValue> immutable(Map<String, AttributeValue> map) {
        if (map == null || map.isEmpty()) {
            return Collections.emptyMap();
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /**
     * Builds a change record from the SDK's stream record.
     *
     * @param record the record GetRecords returned
     * @param shardId the shard it was read from
     * @param streamArn the stream it was read from
     * @param checkpoint its checkpoint handle ({@link RecordCheckpoint#none()} outside a receiver)
     * @throws IllegalArgumentException naming the field when the record lacks what every stream record has
     */
    public static ChangeRecord from(Record record, String shardId, String streamArn, RecordCheckpoint checkpoint) {
        Objects.requireNonNull(record, "record");
        StreamRecord data = record.dynamodb();
        if (data == null) {
            throw new IllegalArgumentException("stream record " + record.eventID() + " has no 'dynamodb' section");
        }
        if (record.eventName() == null) {
            throw new IllegalArgumentException("stream record " + record.eventID() + " has no eventName");
        }
        if (data.sequenceNumber() == null) {
            // Checked here so a malformed record fails with the documented IllegalArgumentException naming
            // the field, not with the builder's NullPointerException.
            throw new IllegalArgumentException("stream record " + record.eventID()
                    + " has no 'dynamodb.SequenceNumber'");
        }
        return builder()
                .eventId(record.eventID())
                .eventName(EventName.from(record.eventName()))
                .eventVersion(record.eventVersion())
                .eventSource(record.eventSource())
                .awsRegion(record.awsRegion())
                .keys(data.hasKeys() ? data.keys() : null)
                .oldImage(data.hasOldImage() ? data.oldImage() : null)
                .newImage(data.hasNewImage() ? data.newImage() : null)
                .sequenceNumber(data.sequenceNumber())
                .sizeBytes(data.sizeBytes() == null ? 0L : data.sizeBytes())
                .streamViewType(data.streamViewType())
                .approximateCreationTime(data.approximateCreationDateTime())
                .userIdentity(record.userIdentity())
                .shardId(shardId)
                .streamArn(streamArn)
                .checkpoint(checkpoint)
                .build();
    }

    /** A builder, mostly for tests and synthetic records (e.g. a table backfill). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this record's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.eventId = eventId;
        b.eventName = eventName;
        b.eventVersion = eventVersion;
        b.eventSource = eventSource;
        b.awsRegion = awsRegion;
        b.keys = keys;
        b.oldImage = oldImage;
        b.newImage = newImage;
        b.sequenceNumber = sequenceNumber;
        b.sizeBytes = sizeBytes;
        b.streamViewType = streamViewType;
        b.approximateCreationTime = approximateCreationTime;
        b.userIdentity = userIdentity;
        b.shardId = shardId;
        b.streamArn = streamArn;
        b.checkpoint = checkpoint;
        return b;
    }

    /** The unique id of this event (a UUID on DynamoDB Local); empty if unknown. */
    public String eventId() {
        return eventId;
    }

    /** INSERT, MODIFY or REMOVE. */
    public EventName eventName() {
        return eventName;
    }

    /** The stream record format version, e.g. {@code 1.1}. */
    public String eventVersion() {
        return eventVersion;
    }

    /** Always {@code aws:dynamodb} for records read from a stream. */
    public String eventSource() {
        return eventSource;
    }

    /** The region of the stream ({@code ddblocal} on DynamoDB Local). */
    public String awsRegion() {
        return awsRegion;
    }

    /**
     * The item's primary key attributes as the stream carried them (numbers in the form of the request); empty
     * if the stream did not carry them. To tell whether two records change the same item use {@link #itemKey()}.
     */
    public Map<String, AttributeValue> keys() {
        return keys;
    }

    /** The item before the change; empty for INSERT and for view types without old images. */
    public Map<String, AttributeValue> oldImage() {
        return oldImage;
    }

    /** The item after the change; empty for REMOVE and for view types without new images. */
    public Map<String, AttributeValue> newImage() {
        return newImage;
    }

    /** The record's sequence number in its shard: a decimal string, compare with {@link SequenceNumbers}. */
    public String sequenceNumber() {
        return sequenceNumber;
    }

    /** The size of the stream record in bytes, as DynamoDB reports it. */
    public long sizeBytes() {
        return sizeBytes;
    }

    /** The view type of the stream, or {@code null} when unknown. */
    public StreamViewType streamViewType() {
        return streamViewType;
    }

    /**
     * The approximate creation time, or {@code null} when the stream did not say. Coarse and, on DynamoDB
     * Local, possibly absurd: never use it for ordering.
     */
    public Instant approximateCreationTime() {
        return approximateCreationTime;
    }

    /** Who made the change when it was not a user (TTL deletes), or {@code null}. */
    public Identity userIdentity() {
        return userIdentity;
    }

    /** Whether this is a REMOVE made by DynamoDB's time-to-live process. */
    public boolean isTimeToLiveDelete() {
        return eventName == EventName.REMOVE && userIdentity != null
                && "dynamodb.amazonaws.com".equals(userIdentity.principalId());
    }

    /** The id of the shard the record was read from. */
    public String shardId() {
        return shardId;
    }

    /** The ARN of the stream the record was read from. */
    public String streamArn() {
        return streamArn;
    }

    /** The checkpoint handle: acknowledge the record once it is processed. */
    public RecordCheckpoint checkpoint() {
        return checkpoint;
    }

    /**
     * The identity of the changed item: its key attributes in canonical form, equal for every record of the
     * item however its key was written ({@code 1}, {@code 1.0} and {@code 10E-1} are one number to DynamoDB).
     * Compare and hash items by this, never by {@link #keys()}, whose numbers keep the form of the request.
     * {@link ItemKey#empty()} when the record carries no keys.
     *
     * <pre>{@code
     * Map<ItemKey, ChangeRecord> latest = new HashMap<>();
     * records.forEach(r -> latest.put(r.itemKey(), r));
     * }</pre>
     *
     * @return the item key, computed once, never null
     * @throws IllegalArgumentException naming the attribute when the keys are no DynamoDB key (a value that
     *     is not S, N or B, or a malformed number); records read from a stream always have valid keys
     */
    public ItemKey itemKey() {
        ItemKey key = itemKey;
        if (key == null) {
            key = ItemKey.of(keys);
            itemKey = key;
        }
        return key;
    }

    /** The keys as plain Java values (see {@link AttributeValues#toJava(Map)}). */
    public Map<String, Object> keysAsMap() {
        return AttributeValues.toJava(keys);
    }

    /** The old image as plain Java values (see {@link AttributeValues#toJava(Map)}); empty when absent. */
    public Map<String, Object> oldImageAsMap() {
        return AttributeValues.toJava(oldImage);
    }

    /** The new image as plain Java values (see {@link AttributeValues#toJava(Map)}); empty when absent. */
    public Map<String, Object> newImageAsMap() {
        return AttributeValues.toJava(newImage);
    }

    /** The old image as the SDK's {@link EnhancedDocument}; an empty document when absent. */
    public EnhancedDocument oldImageAsDocument() {
        return AttributeValues.toDocument(oldImage);
    }

    /** The new image as the SDK's {@link EnhancedDocument}; an empty document when absent. */
    public EnhancedDocument newImageAsDocument() {
        return AttributeValues.toDocument(newImage);
    }

    /**
     * The record in the JSON shape a Lambda function receives for one element of {@code Records}, e.g.
     * {@code {"eventID":…,"eventName":"MODIFY","dynamodb":{"Keys":{"id":{"S":"1"}},…},"eventSourceARN":…}}.
     */
    public String toLambdaEventJson() {
        return LambdaEvents.toJson(this);
    }

    /**
     * Reads a record from the JSON {@link #toLambdaEventJson()} writes (one element of a Lambda event's
     * {@code Records}). The Lambda shape has no shard id ({@link #shardId()} is empty: set it with
     * {@link #toBuilder()}) and its creation time is in whole seconds; the checkpoint is
     * {@link RecordCheckpoint#none()}.
     *
     * <pre>{@code
     * ChangeRecord copy = ChangeRecord.fromLambdaEventJson(record.toLambdaEventJson());
     * }</pre>
     *
     * @throws IllegalArgumentException naming the field when the text is not such a record
     */
    public static ChangeRecord fromLambdaEventJson(String json) {
        return LambdaEvents.fromJson(Objects.requireNonNull(json, "json"));
    }

    /** The record in the Lambda event shape as nested maps, lists, strings, numbers and booleans. */
    public Map<String, Object> toLambdaEvent() {
        return LambdaEvents.toMap(this);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ChangeRecord)) {
            return false;
        }
        ChangeRecord that = (ChangeRecord) o;
        return sizeBytes == that.sizeBytes
                && eventId.equals(that.eventId)
                && eventName == that.eventName
                && sequenceNumber.equals(that.sequenceNumber)
                && shardId.equals(that.shardId)
                && streamArn.equals(that.streamArn)
                && keys.equals(that.keys)
                && oldImage.equals(that.oldImage)
                && newImage.equals(that.newImage);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, eventName, sequenceNumber, shardId, streamArn);
    }

    @Override
    public String toString() {
        return "ChangeRecord{" + eventName + " shard=" + shardId + " seq=" + sequenceNumber + " eventId="
                + eventId + " sizeBytes=" + sizeBytes + "}";
    }

    /** Builds a {@link ChangeRecord}; {@code eventName} and {@code sequenceNumber} are required. */
    public static final class Builder {
        private String eventId;
        private EventName eventName;
        private String eventVersion;
        private String eventSource;
        private String awsRegion;
        private Map<String, AttributeValue> keys;
        private Map<String, AttributeValue> oldImage;
        private Map<String, AttributeValue> newImage;
        private String sequenceNumber;
        private long sizeBytes;
        private StreamViewType streamViewType;
        private Instant approximateCreationTime;
        private Identity userIdentity;
        private String shardId;
        private String streamArn;
        private RecordCheckpoint checkpoint;

        private Builder() {
        }

        public Builder eventId(String eventId) {
            this.eventId = eventId;
            return this;
        }

        public Builder eventName(EventName eventName) {
            this.eventName = eventName;
            return this;
        }

        public Builder eventVersion(String eventVersion) {
            this.eventVersion = eventVersion;
            return this;
        }

        public Builder eventSource(String eventSource) {
            this.eventSource = eventSource;
            return this;
        }

        public Builder awsRegion(String awsRegion) {
            this.awsRegion = awsRegion;
            return this;
        }

        public Builder keys(Map<String, AttributeValue> keys) {
            this.keys = keys;
            return this;
        }

        public Builder oldImage(Map<String, AttributeValue> oldImage) {
            this.oldImage = oldImage;
            return this;
        }

        public Builder newImage(Map<String, AttributeValue> newImage) {
            this.newImage = newImage;
            return this;
        }

        public Builder sequenceNumber(String sequenceNumber) {
            this.sequenceNumber = sequenceNumber;
            return this;
        }

        public Builder sizeBytes(long sizeBytes) {
            this.sizeBytes = sizeBytes;
            return this;
        }

        public Builder streamViewType(StreamViewType streamViewType) {
            this.streamViewType = streamViewType;
            return this;
        }

        public Builder approximateCreationTime(Instant approximateCreationTime) {
            this.approximateCreationTime = approximateCreationTime;
            return this;
        }

        public Builder userIdentity(Identity userIdentity) {
            this.userIdentity = userIdentity;
            return this;
        }

        public Builder shardId(String shardId) {
            this.shardId = shardId;
            return this;
        }

        public Builder streamArn(String streamArn) {
            this.streamArn = streamArn;
            return this;
        }

        public Builder checkpoint(RecordCheckpoint checkpoint) {
            this.checkpoint = checkpoint;
            return this;
        }

        /**
         * Builds the record.
         *
         * @throws NullPointerException when eventName or sequenceNumber is missing
         * @throws IllegalArgumentException when sequenceNumber is not a string of decimal digits
         */
        public ChangeRecord build() {
            return new ChangeRecord(this);
        }
    }
}
