package io.github.ddbstreams.receiver.internal;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.github.ddbstreams.receiver.ReceiverOptions;

/**
 * What the receiver counts and measures. Without a meter registry this records only the per-shard gauge
 * inputs (cheap volatile writes) and never touches a Micrometer class.
 */
class ReceiverMetrics {

    /** Per shard being read: inputs of the iterator-age and behind-latest gauges. */
    static final class ShardGauge {
        /** Creation time (epoch millis) of the newest record of the last non-empty page, or -1 when caught up. */
        volatile long newestCreationMillis = -1;
        /** When the shard was last seen caught up (scheduler millis). */
        volatile long caughtUpAtMillis;
    }

    final Map<String, ShardGauge> shards = new ConcurrentHashMap<>();

    static ReceiverMetrics create(ReceiverOptions options, String table, LongSupplier clock,
            Supplier<Collection<ShardCheckpointer>> checkpointers) {
        if (options.meterRegistry() == null) {
            return new ReceiverMetrics();
        }
        return new MicrometerReceiverMetrics(options.meterRegistry(), table, clock, checkpointers,
                options.readRequestPricePerMillion());
    }

    /** Age of the oldest record read and not yet acknowledged, over {@code checkpointers} (0 when none). */
    static long oldestUnacknowledgedAgeMillis(Collection<ShardCheckpointer> checkpointers, long nowMillis) {
        long oldest = -1;
        for (ShardCheckpointer checkpointer : checkpointers) {
            long at = checkpointer.oldestUnacknowledgedMillis();
            if (at >= 0 && (oldest < 0 || at < oldest)) {
                oldest = at;
            }
        }
        return oldest < 0 ? 0 : Math.max(0, nowMillis - oldest);
    }

    ShardGauge shardStarted(String shardId, long nowMillis) {
        ShardGauge gauge = new ShardGauge();
        gauge.caughtUpAtMillis = nowMillis;
        shards.put(shardId, gauge);
        return gauge;
    }

    void shardStopped(String shardId) {
        shards.remove(shardId);
    }

    void recordsReceived(int count, long bytes) {
    }

    void getRecordsLatency(long nanos) {
    }

    /** One GetRecords request sent (each attempt of a call: each is billed). Any thread. */
    void getRecordsRequest() {
    }

    /** One DescribeStream request sent (each page and each attempt); {@code children}: with a CHILD_SHARDS filter. */
    void describeStreamRequest(boolean children) {
    }

    void emptyPoll() {
    }

    void throttled() {
    }

    void iteratorExpired() {
    }

    void checkpointsCommitted(int count) {
    }

    /** Largest iterator age over the shards being read, in milliseconds (0 when all are caught up). */
    long iteratorAgeMillis(long nowEpochMillis) {
        long max = 0;
        for (ShardGauge gauge : shards.values()) {
            long newest = gauge.newestCreationMillis;
            if (newest >= 0) {
                max = Math.max(max, nowEpochMillis - newest);
            }
        }
        return max;
    }

    /** Largest time since a shard being read was last caught up, in milliseconds. */
    long behindLatestMillis(long nowMillis) {
        long max = 0;
        for (ShardGauge gauge : shards.values()) {
            max = Math.max(max, nowMillis - gauge.caughtUpAtMillis);
        }
        return max;
    }
}
