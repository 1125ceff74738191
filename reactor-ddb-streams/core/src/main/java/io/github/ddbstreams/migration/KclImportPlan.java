package io.github.ddbstreams.migration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.github.ddbstreams.checkpoint.ShardCheckpoint;

/**
 * What importing a KCL lease table does to one stream: every shard the table or the stream knows, with
 * where it resumes. Made by {@link KclLeaseTableImport#plan(String)} (a dry run) and returned by
 * {@link KclLeaseTableImport#apply(String, io.github.ddbstreams.checkpoint.CheckpointStore)}.
 *
 * <pre>{@code
 * KclImportPlan plan = KclLeaseTableImport.create(options).plan(streamArn).block();
 * System.out.println(plan.describe());
 * }</pre>
 */
public final class KclImportPlan {

    private final String streamArn;
    private final String leaseTableName;
    private final Map<String, ShardResume> shards;

    KclImportPlan(String streamArn, String leaseTableName, List<ShardResume> shards) {
        this.streamArn = Objects.requireNonNull(streamArn, "streamArn");
        this.leaseTableName = Objects.requireNonNull(leaseTableName, "leaseTableName");
        Map<String, ShardResume> byId = new LinkedHashMap<>();
        for (ShardResume shard : shards) {
            byId.putIfAbsent(shard.shardId(), shard);
        }
        this.shards = Collections.unmodifiableMap(byId);
    }

    /** The stream this plan is for. */
    public String streamArn() {
        return streamArn;
    }

    /** The KCL lease table it was read from. */
    public String leaseTableName() {
        return leaseTableName;
    }

    /** Every shard of the plan, by shard id, in the order the plan lists them (lease table order, then stream order). */
    public Map<String, ShardResume> shards() {
        return shards;
    }

    /** The checkpoints the import writes: one per shard that resumes after a sequence number or is finished. */
    public List<ShardCheckpoint> checkpoints() {
        List<ShardCheckpoint> checkpoints = new ArrayList<>();
        for (ShardResume shard : shards.values()) {
            shard.checkpoint().ifPresent(checkpoints::add);
        }
        return checkpoints;
    }

    /** The plan as text: a header line, then one line per shard (see {@link ShardResume#describe()}). */
    public String describe() {
        StringBuilder text = new StringBuilder("KCL lease table ").append(leaseTableName).append(" → stream ")
                .append(streamArn).append(": ").append(shards.size()).append(" shards, ")
                .append(checkpoints().size()).append(" checkpoints to write");
        for (ShardResume shard : shards.values()) {
            text.append(System.lineSeparator()).append("  ").append(shard.describe());
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return "KclImportPlan{leaseTableName=" + leaseTableName + ", streamArn=" + streamArn + ", shards="
                + shards.size() + "}";
    }
}
