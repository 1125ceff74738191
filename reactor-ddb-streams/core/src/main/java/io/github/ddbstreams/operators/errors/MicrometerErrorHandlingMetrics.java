package io.github.ddbstreams.operators.errors;

import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.operators.errors.FailedRecord.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.scheduler.Scheduler;

/** {@link ErrorHandlingMetrics} on Micrometer; loaded only when a registry is given. */
final class MicrometerErrorHandlingMetrics implements ErrorHandlingMetrics {

    private final Counter retries;
    private final Map<Reason, Counter> failedRecords = new EnumMap<>(Reason.class);
    private final Map<Object, Long> failingSince = new ConcurrentHashMap<>();
    private final Scheduler scheduler;

    MicrometerErrorHandlingMetrics(ErrorHandlingOptions options) {
        MeterRegistry registry = options.meterRegistry();
        String name = options.name();
        this.scheduler = options.scheduler();
        this.retries = Counter.builder(DynamoDbStreamsMeters.ERROR_RETRIES.meterName())
                .description("Failed record attempts that will be retried")
                .baseUnit(DynamoDbStreamsMeters.ERROR_RETRIES.baseUnit())
                .tag("name", name)
                .register(registry);
        for (Reason reason : Reason.values()) {
            failedRecords.put(reason, Counter.builder(DynamoDbStreamsMeters.ERROR_FAILED_RECORDS.meterName())
                    .description("Records given up and stored in the failure destination")
                    .baseUnit(DynamoDbStreamsMeters.ERROR_FAILED_RECORDS.baseUnit())
                    .tag("name", name)
                    .tag("reason", reason.name())
                    .register(registry));
        }
        Gauge.builder(DynamoDbStreamsMeters.ERROR_RETRYING_DURATION_MAX.meterName(), this, MicrometerErrorHandlingMetrics::maxFailingSeconds)
                .description("How long the longest-failing batch has been failing without progress")
                .baseUnit(DynamoDbStreamsMeters.ERROR_RETRYING_DURATION_MAX.baseUnit())
                .tag("name", name)
                .strongReference(true)
                .register(registry);
    }

    @Override
    public void retried(int records) {
        retries.increment(records);
    }

    @Override
    public void givenUp(Reason reason, int records) {
        failedRecords.get(reason).increment(records);
    }

    @Override
    public void failingSince(Object owner, long sinceMillis) {
        failingSince.putIfAbsent(owner, sinceMillis);
    }

    @Override
    public void notFailing(Object owner) {
        failingSince.remove(owner);
    }

    double maxFailingSeconds() {
        long now = scheduler.now(TimeUnit.MILLISECONDS);
        long oldest = failingSince.values().stream().mapToLong(Long::longValue).min().orElse(now);
        return Math.max(0, now - oldest) / 1000.0;
    }
}
