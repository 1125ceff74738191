package io.github.ddbstreams.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.search.Search;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The consumer's real state, not just "the service answers", from the pipeline runner and the receiver's
 * meters ({@link DynamoDbStreamsMeters}) in the application's registry:
 * <ul>
 *   <li><b>DOWN</b> when the pipeline failed (details: {@code error}), or was stopped or completed
 *       ({@code state});</li>
 *   <li><b>degraded</b> ({@code ddb.streams.health.degraded-status}, OUT_OF_SERVICE by default) when a shard was
 *       not caught up for longer than {@code behind-latest-threshold} (lag, or a shard stuck behind a slow or
 *       blocked pipeline), a batch has been retried without progress for longer than {@code retrying-threshold},
 *       or throttling or failure-destination rates passed {@code max-throttle-rate} /
 *       {@code max-failed-record-rate}; {@code problems} says which;</li>
 *   <li><b>UNKNOWN</b> before the pipeline is started;</li>
 *   <li><b>UP</b> otherwise.</li>
 * </ul>
 * Details always carry {@code state}, {@code shardsActive}, {@code behindLatest}, {@code iteratorAge},
 * {@code leasesHeld} (with leases), the throttle and failed-record rates per second since the previous check, and
 * the totals of records received and checkpoints committed.
 */
public final class DynamoDbStreamsHealthIndicator implements HealthIndicator {

    private final DynamoDbStreamsPipelineRunner runner;
    private final MeterRegistry registry;
    private final DynamoDbStreamsProperties.Health thresholds;
    private final String table;
    private final String leaseTable;
    private final Status degraded;

    private final Object lock = new Object();
    private Sample previous;

    /** A reading of the counters that rates are computed from. */
    private record Sample(long nanos, double throttles, double failedRecords) {
    }

    DynamoDbStreamsHealthIndicator(DynamoDbStreamsPipelineRunner runner, MeterRegistry registry,
            DynamoDbStreamsProperties properties) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.registry = registry;
        this.thresholds = properties.getHealth();
        this.table = PropertiesMapping.tableTag(properties);
        this.leaseTable = PropertiesMapping.hasText(properties.getLeases().getTableName())
                ? properties.getLeases().getTableName() : null;
        this.degraded = new Status(thresholds.getDegradedStatus());
    }

    @Override
    public Health health() {
        DynamoDbStreamsPipelineRunner.State state = runner.state();
        Health.Builder health = new Health.Builder().withDetail("state", state.name());
        switch (state) {
            case NEW -> health.unknown();
            case FAILED -> health.down(runner.failure());
            case STOPPED, COMPLETED -> health.down();
            case RUNNING -> health.up();
        }
        if (registry == null) {
            return health.withDetail("meters", "none: no MeterRegistry bean").build();
        }
        List<String> problems = new ArrayList<>();
        double behindLatest = max(DynamoDbStreamsMeters.BEHIND_LATEST, table);
        double iteratorAge = max(DynamoDbStreamsMeters.ITERATOR_AGE, table);
        double retrying = max(DynamoDbStreamsMeters.ERROR_RETRYING_DURATION_MAX, null);
        health.withDetail("shardsActive", (long) max(DynamoDbStreamsMeters.ACTIVE_SHARDS, table))
                .withDetail("behindLatest", seconds(behindLatest))
                .withDetail("iteratorAge", seconds(iteratorAge))
                .withDetail("recordsReceived", (long) sum(DynamoDbStreamsMeters.RECORDS_RECEIVED, table))
                .withDetail("checkpointsCommitted", (long) sum(DynamoDbStreamsMeters.CHECKPOINTS_COMMITTED, table));
        if (leaseTable != null) {
            // NaN when the gauge's source is gone (core registers it on a lambda only the gauge references
            // weakly, so it can read NaN after a GC): shown as unknown rather than as 0
            double held = maxOrNaN(DynamoDbStreamsMeters.LEASES_HELD, leaseTable);
            health.withDetail("leasesHeld", Double.isNaN(held) ? "unknown" : (Object) (long) held)
                    .withDetail("leaseRenewFailures", (long) sum(DynamoDbStreamsMeters.LEASE_RENEW_FAILURES, leaseTable));
        }
        if (retrying > 0) {
            health.withDetail("retryingFor", seconds(retrying));
        }
        double[] rates = rates();
        health.withDetail("throttlesPerSecond", round(rates[0]))
                .withDetail("failedRecordsPerSecond", round(rates[1]));
        if (state == DynamoDbStreamsPipelineRunner.State.RUNNING) {
            if (exceeds(behindLatest, thresholds.getBehindLatestThreshold())) {
                problems.add("a shard has not been caught up for " + seconds(behindLatest) + " (behind-latest-threshold "
                        + thresholds.getBehindLatestThreshold() + "): lagging, or stuck behind the pipeline");
            }
            if (exceeds(retrying, thresholds.getRetryingThreshold())) {
                problems.add("a batch has been retried without progress for " + seconds(retrying)
                        + " (retrying-threshold " + thresholds.getRetryingThreshold() + ")");
            }
            if (thresholds.getMaxThrottleRate() != null && rates[0] > thresholds.getMaxThrottleRate()) {
                problems.add("throttled " + round(rates[0]) + " calls/s (max-throttle-rate "
                        + thresholds.getMaxThrottleRate() + ")");
            }
            if (thresholds.getMaxFailedRecordRate() != null && rates[1] > thresholds.getMaxFailedRecordRate()) {
                problems.add(round(rates[1]) + " records/s to the failure destination (max-failed-record-rate "
                        + thresholds.getMaxFailedRecordRate() + ")");
            }
            if (!problems.isEmpty()) {
                health.status(degraded).withDetail("problems", problems);
            }
        }
        return health.build();
    }

    /** Throttles and failed records per second since the previous check (0 at the first). */
    private double[] rates() {
        // the registry's clock: the one its meters use, and a MockClock in tests
        Sample now = new Sample(registry.config().clock().monotonicTime(), sum(DynamoDbStreamsMeters.THROTTLES, table),
                sum(DynamoDbStreamsMeters.ERROR_FAILED_RECORDS, null));
        synchronized (lock) {
            Sample before = previous;
            previous = now;
            if (before == null || now.nanos() <= before.nanos()) {
                return new double[] {0, 0};
            }
            double seconds = (now.nanos() - before.nanos()) / 1e9;
            return new double[] {
                    Math.max(0, now.throttles() - before.throttles()) / seconds,
                    Math.max(0, now.failedRecords() - before.failedRecords()) / seconds};
        }
    }

    private Search search(DynamoDbStreamsMeters meter, String tableTag) {
        Search search = registry.find(meter.meterName());
        return tableTag != null ? search.tag("table", tableTag) : search;
    }

    private double sum(DynamoDbStreamsMeters meter, String tableTag) {
        return search(meter, tableTag).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** The largest value of a gauge over its series, time gauges in seconds; 0 when absent or unreadable. */
    private double max(DynamoDbStreamsMeters meter, String tableTag) {
        double max = maxOrNaN(meter, tableTag);
        return Double.isNaN(max) ? 0 : max;
    }

    /** The largest readable value of a gauge over its series, time gauges in seconds; NaN when none. */
    private double maxOrNaN(DynamoDbStreamsMeters meter, String tableTag) {
        return search(meter, tableTag).gauges().stream()
                .mapToDouble(gauge -> gauge instanceof TimeGauge time ? time.value(TimeUnit.SECONDS) : gauge.value())
                .filter(v -> !Double.isNaN(v))
                .max().orElse(Double.NaN);
    }

    private static boolean exceeds(double seconds, Duration threshold) {
        return threshold != null && seconds * 1000 > threshold.toMillis();
    }

    private static String seconds(double seconds) {
        return Duration.ofMillis(Math.round(seconds * 1000)).toString();
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
