package io.github.ddbstreams.sink.dynamodb;

/**
 * What a {@link ReplicaTableSink} writes for a REMOVE record.
 *
 * <pre>{@code
 * ReplicaTableSinkOptions.builder().removeMode(RemoveMode.TOMBSTONE) // the default
 * }</pre>
 */
public enum RemoveMode {

    /**
     * Replaces the item by a tombstone: its key, the sequence attribute and the deleted marker
     * ({@link ReplicaTableSinkOptions#deletedAttributeName()} = {@code true}), plus the tombstone time to live
     * when set. A replayed older INSERT or MODIFY then finds a newer position and changes nothing, so the replica
     * never regresses, even when only a stretch of older changes is replayed. Readers of the replica must skip
     * items that have the deleted marker (e.g. {@code attribute_not_exists(_ddbstreams_deleted)} as a filter).
     * The default.
     */
    TOMBSTONE,

    /**
     * Deletes the item, conditionally on its stored position being older. The item is then gone together with
     * its position, so a replayed older INSERT or MODIFY of that key (e.g. re-reading from TRIM_HORIZON)
     * recreates it; a replay of the whole stream ends right again (the REMOVE is replayed too), a replay of only a
     * stretch before the REMOVE leaves the item resurrected. Use only when readers cannot filter tombstones and
     * replays are always complete.
     */
    DELETE
}
