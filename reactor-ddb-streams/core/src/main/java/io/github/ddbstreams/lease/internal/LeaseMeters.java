package io.github.ddbstreams.lease.internal;


import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** Micrometer meters of leases, tagged with the lease table (a bounded value). */
final class LeaseMeters {

    private LeaseMeters() {
    }

    static void register(MeterRegistry registry, String table, LeaseCounters counters) {
        // the counters object lives as long as its coordinator (a gauge's state is held weakly)
        Gauge.builder(DynamoDbStreamsMeters.LEASES_HELD.meterName(), counters, c -> c.held.getAsInt())
                .tag("table", table).description("Leases this worker holds").register(registry);
        FunctionCounter.builder(DynamoDbStreamsMeters.LEASES_TAKEN.meterName(), counters.taken, Number::doubleValue)
                .tag("table", table).description("Leases taken by this worker").register(registry);
        FunctionCounter.builder(DynamoDbStreamsMeters.LEASES_LOST.meterName(), counters.lost, Number::doubleValue)
                .tag("table", table).description("Leases this worker lost to another").register(registry);
        FunctionCounter.builder(DynamoDbStreamsMeters.LEASE_RENEW_FAILURES.meterName(), counters.renewFailures, Number::doubleValue)
                .tag("table", table).description("Lease renewals that failed (not counting lost leases)").register(registry);
        FunctionCounter.builder(DynamoDbStreamsMeters.LEASES_HANDED_OFF.meterName(), counters.handedOff, Number::doubleValue)
                .tag("table", table).description("Leases this worker handed to a less busy worker").register(registry);
        FunctionCounter.builder(DynamoDbStreamsMeters.LEASE_DRAIN_TIMEOUTS.meterName(), counters.drainTimeouts,
                        Number::doubleValue)
                .tag("table", table).description("Leases given away with records still unacknowledged after the drain"
                        + " timeout").register(registry);
    }
}
