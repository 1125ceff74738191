package io.github.ddbstreams.sink.dynamodb;

import java.util.HashMap;
import java.util.Map;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * Builds the conditional request that applies one change record to the replica table. Every request carries
 * the condition {@value #CONDITION}, with {@code #seq} the sequence attribute and {@code :seq} the record's
 * {@link SequenceNumberEncoding encoded} sequence number: it succeeds only when the stored item has no position
 * (absent, or written by someone else) or an older one, so a replayed older change is a no-op (the condition
 * fails) and an equal one too.
 */
final class ReplicaWrites {

    /** The condition of every write. */
    static final String CONDITION = "attribute_not_exists(#seq) OR #seq < :seq";
    static final String SEQ_NAME = "#seq";
    static final String SEQ_VALUE = ":seq";

    private static final AttributeValue TRUE = AttributeValue.fromBool(true);

    private final String tableName;
    private final ItemTransformer transformer;
    private final String sequenceAttribute;
    private final String deletedAttribute;
    private final RemoveMode removeMode;
    private final String timeToLiveAttribute;
    private final long timeToLiveSeconds;

    ReplicaWrites(ReplicaTableSinkOptions options) {
        this.tableName = options.tableName();
        this.transformer = options.itemTransformer();
        this.sequenceAttribute = options.sequenceNumberAttributeName();
        this.deletedAttribute = options.deletedAttributeName();
        this.removeMode = options.removeMode();
        this.timeToLiveAttribute = options.tombstoneTimeToLiveAttributeName().orElse(null);
        this.timeToLiveSeconds = options.tombstoneTimeToLive().map(java.time.Duration::getSeconds).orElse(0L);
    }

    /** A put or a delete, ready to send. */
    sealed interface Write permits Put, Delete {
    }

    /** Writes the item (a new image or a tombstone). */
    record Put(PutItemRequest request) implements Write {
    }

    /** Deletes the item. */
    record Delete(DeleteItemRequest request) implements Write {
    }

    /**
     * The write applying {@code record}, or {@code null} when the transformer skips it.
     *
     * @param nowEpochSeconds the current time, for tombstone expiry
     * @throws IllegalArgumentException when the record cannot be applied (no new image, bad sequence number)
     */
    Write writeFor(ChangeRecord record, long nowEpochSeconds) {
        String seq = SequenceNumberEncoding.encode(record.sequenceNumber());
        if (record.eventName() == EventName.REMOVE) {
            if (record.keys().isEmpty()) {
                throw new IllegalArgumentException("REMOVE record " + record.sequenceNumber() + " has no keys");
            }
            Map<String, AttributeValue> key = transformer.transform(record, record.keys());
            if (key == null) {
                return null;
            }
            return removeMode == RemoveMode.DELETE ? new Delete(delete(key, seq))
                    : new Put(tombstone(key, seq, nowEpochSeconds));
        }
        if (record.newImage().isEmpty()) {
            throw new IllegalArgumentException(record.eventName() + " record " + record.sequenceNumber()
                    + " has no new image: the source stream's view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES");
        }
        Map<String, AttributeValue> item = transformer.transform(record, record.newImage());
        if (item == null) {
            return null;
        }
        Map<String, AttributeValue> withSeq = new HashMap<>(item.size() * 4 / 3 + 2);
        withSeq.putAll(item);
        withSeq.remove(deletedAttribute); // never carry a tombstone marker over from the source
        withSeq.put(sequenceAttribute, AttributeValue.fromS(seq));
        return new Put(put(withSeq, seq));
    }

    PutItemRequest put(Map<String, AttributeValue> item, String encodedSeq) {
        return PutItemRequest.builder()
                .tableName(tableName)
                .item(item)
                .conditionExpression(CONDITION)
                .expressionAttributeNames(Map.of(SEQ_NAME, sequenceAttribute))
                .expressionAttributeValues(Map.of(SEQ_VALUE, AttributeValue.fromS(encodedSeq)))
                .build();
    }

    PutItemRequest tombstone(Map<String, AttributeValue> key, String encodedSeq, long nowEpochSeconds) {
        Map<String, AttributeValue> item = new HashMap<>(key.size() * 4 / 3 + 4);
        item.putAll(key);
        item.put(sequenceAttribute, AttributeValue.fromS(encodedSeq));
        item.put(deletedAttribute, TRUE);
        if (timeToLiveAttribute != null) {
            item.put(timeToLiveAttribute, AttributeValue.fromN(Long.toString(nowEpochSeconds + timeToLiveSeconds)));
        }
        return put(item, encodedSeq);
    }

    DeleteItemRequest delete(Map<String, AttributeValue> key, String encodedSeq) {
        return DeleteItemRequest.builder()
                .tableName(tableName)
                .key(key)
                .conditionExpression(CONDITION)
                .expressionAttributeNames(Map.of(SEQ_NAME, sequenceAttribute))
                .expressionAttributeValues(Map.of(SEQ_VALUE, AttributeValue.fromS(encodedSeq)))
                .build();
    }
}
