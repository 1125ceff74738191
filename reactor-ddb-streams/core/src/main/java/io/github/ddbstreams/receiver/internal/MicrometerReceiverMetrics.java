package io.github.ddbstreams.receiver.internal;

import java.util.Collection;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;

/** {@link ReceiverMetrics} registered with Micrometer, tagged {@code table}; loaded only with a registry. */
final class MicrometerReceiverMetrics extends ReceiverMetrics {

    private final Counter records;
    private final Counter bytes;
    private final Timer latency;
    private final Counter emptyPolls;
    private final Counter throttles;
    private final Counter expired;
    private final Counter checkpoints;
    private final Counter calls;
    private final Counter listingPages;
    private final Counter childrenQueries;
    private final RequestRate rate;

    MicrometerReceiverMetrics(MeterRegistry registry, String table, LongSupplier schedulerMillis,
            Supplier<Collection<ShardCheckpointer>> checkpointers, OptionalDouble pricePerMillion) {
        Tags tags = Tags.of("table", table);
        records = counter(registry, DynamoDbStreamsMeters.RECORDS_RECEIVED, tags, "Records received from GetRecords");
        bytes = counter(registry, DynamoDbStreamsMeters.BYTES_RECEIVED, tags, "Bytes of the records received");
        latency = Timer.builder(DynamoDbStreamsMeters.GET_RECORDS_LATENCY.meterName()).tags(tags)
                .description("Latency of GetRecords calls, retries included").register(registry);
        emptyPolls = counter(registry, DynamoDbStreamsMeters.EMPTY_POLLS, tags, "GetRecords calls that returned no record");
        throttles = counter(registry, DynamoDbStreamsMeters.THROTTLES, tags, "Calls throttled and retried");
        expired = counter(registry, DynamoDbStreamsMeters.EXPIRED_ITERATORS, tags, "Shard iterators that expired and were renewed");
        checkpoints = counter(registry, DynamoDbStreamsMeters.CHECKPOINTS_COMMITTED, tags, "Shard checkpoints written");
        calls = counter(registry, DynamoDbStreamsMeters.GET_RECORDS_CALLS, tags,
                "GetRecords requests sent, retries included (each a billed streams read request on AWS)");
        listingPages = counter(registry, DynamoDbStreamsMeters.DESCRIBE_STREAM_CALLS, tags.and("kind", "listing"),
                "DescribeStream requests sent, retries included: pages of listings of every shard");
        childrenQueries = counter(registry, DynamoDbStreamsMeters.DESCRIBE_STREAM_CALLS, tags.and("kind", "children"),
                "DescribeStream requests sent, retries included: a shard's children (CHILD_SHARDS filter)");
        if (pricePerMillion.isPresent()) {
            double price = pricePerMillion.getAsDouble();
            rate = new RequestRate(schedulerMillis);
            Gauge.builder(DynamoDbStreamsMeters.GET_RECORDS_COST_HOURLY.meterName(), rate,
                            r -> r.perHour() * price / 1_000_000)
                    .tags(tags).baseUnit(DynamoDbStreamsMeters.GET_RECORDS_COST_HOURLY.baseUnit())
                    .description("Estimated cost per hour of the GetRecords requests of the last minute")
                    .register(registry);
        } else {
            rate = null;
        }
        TimeGauge.builder(DynamoDbStreamsMeters.ITERATOR_AGE.meterName(), this,
                        TimeUnit.MILLISECONDS, m -> m.iteratorAgeMillis(System.currentTimeMillis()))
                .tags(tags).description("Now minus the creation time of the newest record read (largest over shards)")
                .register(registry);
        TimeGauge.builder(DynamoDbStreamsMeters.BEHIND_LATEST.meterName(), this,
                        TimeUnit.MILLISECONDS, m -> m.behindLatestMillis(schedulerMillis.getAsLong()))
                .tags(tags).description("Time since the shard furthest behind was last caught up")
                .register(registry);
        TimeGauge.builder(DynamoDbStreamsMeters.OLDEST_UNACKNOWLEDGED_AGE.meterName(), this, TimeUnit.MILLISECONDS,
                        m -> oldestUnacknowledgedAgeMillis(checkpointers.get(), schedulerMillis.getAsLong()))
                .tags(tags).description("How long the oldest record read and not yet acknowledged has waited (largest over shards)")
                .register(registry);
        Gauge.builder(DynamoDbStreamsMeters.ACTIVE_SHARDS.meterName(), shards, s -> s.size())
                .tags(tags).baseUnit(DynamoDbStreamsMeters.ACTIVE_SHARDS.baseUnit())
                .description("Shards being read").register(registry);
    }

    private static Counter counter(MeterRegistry registry, DynamoDbStreamsMeters meter, Tags tags, String description) {
        return Counter.builder(meter.meterName()).tags(tags).baseUnit(meter.baseUnit()).description(description)
                .register(registry);
    }

    @Override
    void recordsReceived(int count, long byteCount) {
        records.increment(count);
        bytes.increment(byteCount);
    }

    @Override
    void getRecordsLatency(long nanos) {
        latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    void getRecordsRequest() {
        calls.increment();
        if (rate != null) {
            rate.add();
        }
    }

    @Override
    void describeStreamRequest(boolean children) {
        (children ? childrenQueries : listingPages).increment();
    }

    @Override
    void emptyPoll() {
        emptyPolls.increment();
    }

    @Override
    void throttled() {
        throttles.increment();
    }

    @Override
    void iteratorExpired() {
        expired.increment();
    }

    @Override
    void checkpointsCommitted(int count) {
        checkpoints.increment(count);
    }
}
