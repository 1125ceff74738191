package io.github.ddbstreams.sink.dynamodb;

import java.util.Map;

import io.github.ddbstreams.record.ChangeRecord;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Turns a source item into the item written to the replica table (rename or drop attributes, change the key,
 * add derived attributes), or skips the record.
 *
 * <p>Called with the record's new image for INSERT and MODIFY, and with the record's keys for REMOVE; the result
 * must hold the replica's key attributes (for REMOVE: only those). Returning {@code null} skips the record (it
 * counts as written). The sink's hidden attributes are added afterwards and overwrite attributes of the same
 * names. Must be a pure, fast, thread-safe function: it is called on the SDK's threads and again on retries.
 *
 * <pre>{@code
 * ItemTransformer dropSecrets = (record, item) -> {
 *     Map<String, AttributeValue> copy = new HashMap<>(item);
 *     copy.remove("password");
 *     return copy;
 * };
 * }</pre>
 */
@FunctionalInterface
public interface ItemTransformer {

    /**
     * The replica item for this record.
     *
     * @param record the change record
     * @param item the new image (INSERT, MODIFY) or the keys (REMOVE); unmodifiable
     * @return the replica item (or key, for REMOVE), or {@code null} to skip the record
     */
    Map<String, AttributeValue> transform(ChangeRecord record, Map<String, AttributeValue> item);

    /**
     * The transformer that writes items as they are.
     *
     * <pre>{@code
     * ReplicaTableSinkOptions.builder().itemTransformer(ItemTransformer.identity())
     * }</pre>
     */
    static ItemTransformer identity() {
        return (record, item) -> item;
    }
}
