package io.github.ddbstreams.operators;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.operators.FailedRecord.Reason;
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
        this.retries = Counter.builder(ErrorHandlingMeters.RETRIES.meterName())
                .description(ErrorHandlingMeters.RETRIES.description())
                .baseUnit(ErrorHandlingMeters.RETRIES.unit())
                .tag("name", name)
                .register(registry);
        for (Reason reason : Reason.values()) {
            failedRecords.put(reason, Counter.builder(ErrorHandlingMeters.FAILED_RECORDS.meterName())
                    .description(ErrorHandlingMeters.FAILED_RECORDS.description())
                    .baseUnit(ErrorHandlingMeters.FAILED_RECORDS.unit())
                    .tag("name", name)
                    .tag("reason", reason.name())
                    .register(registry));
        }
        Gauge.builder(ErrorHandlingMeters.RETRYING_DURATION_MAX.meterName(), this, MicrometerErrorHandlingMetrics::maxFailingSeconds)
                .description(ErrorHandlingMeters.RETRYING_DURATION_MAX.description())
                .baseUnit(ErrorHandlingMeters.RETRYING_DURATION_MAX.unit())
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
