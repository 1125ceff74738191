package io.github.ddbstreams.receiver;

/**
 * How often a shard is polled when it is not behind: every GetRecords call is a billed read request on AWS,
 * so this is the trade between cost and latency. Whatever the pacing, a call that returns a full page (the
 * shard is behind) is followed at once by the next one, so a backlog drains at full speed, and no call is
 * made without downstream demand.
 *
 * <pre>{@code
 * ReceiverOptions.builder().tableName("Orders").pacing(Pacing.LOW_LATENCY).build();
 * }</pre>
 */
public enum Pacing {

    /**
     * The default: the cheap choice on AWS. After a partial or empty page the next call starts no sooner than
     * {@link ReceiverOptions#pollInterval() pollInterval} (250 ms) after the previous call started: at most 4
     * calls/s per shard under traffic, Lambda's rate. A shard that returned no record for
     * {@link ReceiverOptions#idleAfter() idleAfter} (30 s; counted from its start for a new shard, so the first
     * call is made at once and a record written just after subscribe arrives within a {@code pollInterval}) is
     * polled every {@link ReceiverOptions#idlePollInterval() idlePollInterval} (2 s: 0.5 calls/s, the KCL's idle
     * rate) until records come back. Latency: about half a {@code pollInterval} under traffic, up to
     * {@code idlePollInterval} for the first record after a quiet spell.
     */
    COST_AWARE,

    /**
     * For users who pay for speed (the default before cost-aware pacing): after a call that returned records the next one is made at once; after an
     * empty response the receiver pauses {@link ReceiverOptions#minPollInterval() minPollInterval} (31 ms),
     * doubling per further empty response up to {@link ReceiverOptions#pollInterval() pollInterval}. Measured
     * on DynamoDB Local at 200 writes/s on one shard: p50 latency 15 ms at about 70 calls/s (every call
     * billed on AWS), against about 4 calls/s for {@link #COST_AWARE}; an idle shard costs 4 calls/s.
     */
    LOW_LATENCY
}
