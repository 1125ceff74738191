package io.github.ddbstreams.migration;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One lease row of a KCL lease table, as far as an import needs it. Knows the KCL's item formats: 1.x adapter
 * tables and 2/3 single-stream tables (lease key = shard id), multi-stream tables (lease key =
 * {@code account:region$account$table$label:1:shardId}, with {@code streamName} and {@code shardId} attributes)
 * and KCL 3.5 single-table items (rows with an {@code entityType} other than {@code LEASE} are not leases).
 */
record KclLease(String leaseKey, String streamIdentifier, String shardId, String owner, Long counter,
        String checkpoint, String pendingCheckpoint, Set<String> parentShardIds, Set<String> childShardIds,
        String checkpointOwner) {

    static final String LEASE_KEY = "leaseKey";
    static final String LEASE_OWNER = "leaseOwner";
    static final String LEASE_COUNTER = "leaseCounter";
    static final String CHECKPOINT = "checkpoint";
    static final String PENDING_CHECKPOINT = "pendingCheckpoint";
    static final String PARENT_SHARD_ID = "parentShardId";
    static final String CHILD_SHARD_IDS = "childShardIds";
    static final String CHECKPOINT_OWNER = "checkpointOwner";
    static final String STREAM_NAME = "streamName";
    static final String SHARD_ID = "shardId";
    static final String ENTITY_TYPE = "entityType";

    static final String SHARD_END = "SHARD_END";
    /** Checkpoints the KCL writes into a lease that no record processor checkpointed yet. */
    static final Set<String> NOT_STARTED = Set.of("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP");

    /** Whether an item is a lease: KCL 3.5 keeps other entities in the same table, marked by {@code entityType}. */
    static boolean isLease(Map<String, AttributeValue> item) {
        AttributeValue type = item.get(ENTITY_TYPE);
        return type == null || type.s() == null || "LEASE".equalsIgnoreCase(type.s());
    }

    /**
     * Reads a lease item.
     *
     * @throws KclLeaseTableException naming the table, the lease key and the attribute, when the item is no
     *     valid KCL lease (the message lists attribute names, never values other than the checkpoint)
     */
    static KclLease parse(String table, Map<String, AttributeValue> item) {
        String leaseKey = string(item, LEASE_KEY);
        if (leaseKey == null || leaseKey.isEmpty()) {
            throw new KclLeaseTableException("KCL lease table " + table + " holds an item without a string "
                    + LEASE_KEY + " (attributes " + new TreeSet<>(item.keySet()) + "): is it a KCL lease table?");
        }
        String shardId = string(item, SHARD_ID);
        String streamIdentifier = string(item, STREAM_NAME);
        int colon = leaseKey.lastIndexOf(':');
        if (shardId == null) {
            shardId = colon < 0 ? leaseKey : leaseKey.substring(colon + 1);
        }
        if (streamIdentifier == null && colon > 0) {
            streamIdentifier = leaseKey.substring(0, colon);
        }
        if (shardId.isEmpty()) {
            throw invalid(table, leaseKey, "has an empty shard id");
        }
        String checkpoint = string(item, CHECKPOINT);
        if (checkpoint == null) {
            throw invalid(table, leaseKey, "has no string " + CHECKPOINT);
        }
        if (!SHARD_END.equals(checkpoint) && !NOT_STARTED.contains(checkpoint) && !isDecimal(checkpoint)) {
            throw invalid(table, leaseKey, "has checkpoint '" + checkpoint + "', neither a sequence number nor one of "
                    + new TreeSet<>(NOT_STARTED) + " or " + SHARD_END);
        }
        Long counter = null;
        AttributeValue counterValue = item.get(LEASE_COUNTER);
        if (counterValue != null && counterValue.n() != null) {
            try {
                counter = Long.valueOf(counterValue.n());
            } catch (NumberFormatException e) {
                throw invalid(table, leaseKey, "has a " + LEASE_COUNTER + " that is not a whole number");
            }
        }
        return new KclLease(leaseKey, streamIdentifier, shardId, string(item, LEASE_OWNER), counter, checkpoint,
                string(item, PENDING_CHECKPOINT), shardIds(item, PARENT_SHARD_ID), shardIds(item, CHILD_SHARD_IDS),
                string(item, CHECKPOINT_OWNER));
    }

    /** Whether this lease belongs to the stream with this KCL multi-stream name ({@code region$account$table$label}). */
    boolean belongsTo(String tableName, String label) {
        if (streamIdentifier == null) {
            return true;
        }
        // account:region$account$table$label:creationEpoch; the adapter writes ':' in the label as '_'
        String[] parts = streamIdentifier.split(":");
        String name = parts.length == 3 ? parts[1] : streamIdentifier;
        String[] fields = name.split("\\$");
        return fields.length == 4 && fields[2].equals(tableName) && fields[3].equals(label.replace(':', '_'));
    }

    private static KclLeaseTableException invalid(String table, String leaseKey, String what) {
        return new KclLeaseTableException("KCL lease table " + table + ": lease " + leaseKey + " " + what);
    }

    private static boolean isDecimal(String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    /** A set of shard ids; multi-stream tables may write them as lease keys, so a stream prefix is dropped. */
    private static Set<String> shardIds(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null) {
            return Set.of();
        }
        List<String> ids = value.hasSs() ? value.ss() : value.s() != null ? List.of(value.s()) : List.of();
        Set<String> shardIds = new TreeSet<>();
        for (String id : ids) {
            shardIds.add(id.substring(id.lastIndexOf(':') + 1));
        }
        return Collections.unmodifiableSet(shardIds);
    }
}
