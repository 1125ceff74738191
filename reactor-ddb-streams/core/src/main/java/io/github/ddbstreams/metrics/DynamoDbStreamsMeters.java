package io.github.ddbstreams.metrics;

/**
 * Every meter this library registers: lowercase dotted names under {@code ddb.streams.}, with their type,
 * base unit and tags. Tag values are bounded (table, sink, outcome, reason, operator name); shard ids are
 * never tags.
 *
 * <pre>{@code
 * registry.get(DynamoDbStreamsMeters.RECORDS_RECEIVED.meterName()).tag("table", "Orders").counter().count();
 * }</pre>
 */
public enum DynamoDbStreamsMeters {

    // ------------------------------------------------------------------ receiver (tag: table)
    /** Records received from GetRecords (delivered or skipped by a start timestamp). */
    RECORDS_RECEIVED("ddb.streams.records.received", Type.COUNTER, "records", "table"),
    /** Bytes of the records received (their {@code SizeBytes}). */
    BYTES_RECEIVED("ddb.streams.bytes.received", Type.COUNTER, "bytes", "table"),
    /** Latency of GetRecords calls, retries included. */
    GET_RECORDS_LATENCY("ddb.streams.getrecords.latency", Type.TIMER, "seconds", "table"),
    /**
     * GetRecords requests sent, retries included: on AWS each is one billed streams read request unit
     * (whatever it returns, up to 1 MB), unlike Lambda's own polling of a trigger, which is free.
     */
    GET_RECORDS_CALLS("ddb.streams.getrecords.calls", Type.COUNTER, "requests", "table"),
    /**
     * DescribeStream requests sent, retries included, by {@code kind}: {@code listing} (a page of a listing of every
     * shard: the periodic discovery, a worker's start, a confirmation that a shard left the stream) or
     * {@code children} (a shard's children at its end, with a {@code CHILD_SHARDS} filter). The service allows about
     * 10 per second per account; with leases, only the stream's describer lists it periodically.
     */
    DESCRIBE_STREAM_CALLS("ddb.streams.describestream.calls", Type.COUNTER, "requests", "table", "kind"),
    /**
     * Estimated cost per hour of the GetRecords requests of the last minute, at
     * {@code ReceiverOptions.readRequestPricePerMillion}; registered only when a price is set.
     */
    GET_RECORDS_COST_HOURLY("ddb.streams.getrecords.cost.hourly", Type.GAUGE, "currency/hour", "table"),
    /** GetRecords calls that returned no record. */
    EMPTY_POLLS("ddb.streams.getrecords.empty", Type.COUNTER, "calls", "table"),
    /** Calls throttled by DynamoDB Streams (LimitExceeded and the like), each then retried with backoff. */
    THROTTLES("ddb.streams.throttles", Type.COUNTER, "calls", "table"),
    /** Shard iterators that expired and were renewed. */
    EXPIRED_ITERATORS("ddb.streams.iterators.expired", Type.COUNTER, "iterators", "table"),
    /**
     * Iterator age: now minus the creation time of the newest record read, the largest over the shards being
     * read (0 for a shard that is caught up). Depends on {@code ApproximateCreationDateTime}, which is
     * coarse (and on DynamoDB Local truncated to the minute).
     */
    ITERATOR_AGE("ddb.streams.iterator.age", Type.GAUGE, "seconds", "table"),
    /**
     * Behind latest: how long ago each shard being read was last seen caught up (an empty GetRecords
     * response or its end), the largest over the shards. Does not depend on record timestamps.
     */
    BEHIND_LATEST("ddb.streams.behind.latest", Type.GAUGE, "seconds", "table"),
    /** Shard checkpoints written to the checkpoint store (or lease table). */
    CHECKPOINTS_COMMITTED("ddb.streams.checkpoints.committed", Type.COUNTER, "checkpoints", "table"),
    /**
     * How long the oldest record read and not yet acknowledged has waited, the largest over the shards (0 when
     * every record read was acknowledged). A value that keeps growing means a pipeline that does not
     * acknowledge (see {@code ReceiverOptions.maxUnacknowledgedPerShard}).
     */
    OLDEST_UNACKNOWLEDGED_AGE("ddb.streams.unacknowledged.age", Type.GAUGE, "seconds", "table"),
    /** Shards being read now. */
    ACTIVE_SHARDS("ddb.streams.shards.active", Type.GAUGE, "shards", "table"),

    // ------------------------------------------------------------------ leases (tag: table = lease table)
    LEASES_HELD("ddb.streams.leases.held", Type.GAUGE, "leases", "table"),
    LEASES_TAKEN("ddb.streams.leases.taken", Type.COUNTER, "leases", "table"),
    LEASES_LOST("ddb.streams.leases.lost", Type.COUNTER, "leases", "table"),
    LEASE_RENEW_FAILURES("ddb.streams.leases.renew.failures", Type.COUNTER, "renewals", "table"),
    LEASES_HANDED_OFF("ddb.streams.leases.handed.off", Type.COUNTER, "leases", "table"),
    /**
     * Leases given away (handed off or released) before every record of their shard this worker emitted was
     * acknowledged, after {@code LeaseOptions.drainTimeout}: the next owner reads those records again.
     */
    LEASE_DRAIN_TIMEOUTS("ddb.streams.leases.drain.timeouts", Type.COUNTER, "leases", "table"),

    // ------------------------------------------------------------------ error handling (tag: name)
    /** Failed record attempts that will be retried. */
    ERROR_RETRIES("ddb.streams.errors.retries", Type.COUNTER, "records", "name"),
    /** Records given up and stored in the failure destination; tag {@code reason}. */
    ERROR_FAILED_RECORDS("ddb.streams.errors.failed.records", Type.COUNTER, "records", "name", "reason"),
    /** How long the longest-failing batch has been failing without progress; 0 when none fails. */
    ERROR_RETRYING_DURATION_MAX("ddb.streams.errors.retrying.duration.max", Type.GAUGE, "seconds", "name"),

    // ------------------------------------------------------------------ batching (tag: name)
    /** Records per batch emitted by the batching operator. */
    BATCH_SIZE("ddb.streams.batch.size", Type.DISTRIBUTION_SUMMARY, "records", "name"),

    // ------------------------------------------------------------------ sinks (tag: sink, outcome)
    /** Records written by a sink; tag {@code outcome} = success | failure. */
    SINK_WRITES("ddb.streams.sink.writes", Type.COUNTER, "records", "sink", "outcome"),
    /** Latency of one sink write (a bulk request, a batch of sends). */
    SINK_LATENCY("ddb.streams.sink.latency", Type.TIMER, "seconds", "sink");

    /** Micrometer meter types, named without depending on Micrometer. */
    public enum Type {
        COUNTER, GAUGE, TIMER, DISTRIBUTION_SUMMARY
    }

    private final String meterName;
    private final Type type;
    private final String baseUnit;
    private final String[] tagKeys;

    DynamoDbStreamsMeters(String meterName, Type type, String baseUnit, String... tagKeys) {
        this.meterName = meterName;
        this.type = type;
        this.baseUnit = baseUnit;
        this.tagKeys = tagKeys;
    }

    /** The meter's name, e.g. {@code ddb.streams.records.received}. */
    public String meterName() {
        return meterName;
    }

    public Type type() {
        return type;
    }

    public String baseUnit() {
        return baseUnit;
    }

    /** The keys of the meter's tags. */
    public String[] tagKeys() {
        return tagKeys.clone();
    }
}
