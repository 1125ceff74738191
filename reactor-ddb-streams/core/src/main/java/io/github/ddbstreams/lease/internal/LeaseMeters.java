package io.github.ddbstreams.lease.internal;

import java.util.function.IntSupplier;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** Micrometer meters of leases, tagged with the lease table (a bounded value). */
final class LeaseMeters {

    private LeaseMeters() {
    }

    static void register(MeterRegistry registry, String table, LeaseCounters counters, IntSupplier held) {
        Gauge.builder("ddb.streams.leases.held", held, h -> h.getAsInt())
                .tag("table", table).description("Leases this worker holds").register(registry);
        FunctionCounter.builder("ddb.streams.leases.taken", counters.taken, Number::doubleValue)
                .tag("table", table).description("Leases taken by this worker").register(registry);
        FunctionCounter.builder("ddb.streams.leases.lost", counters.lost, Number::doubleValue)
                .tag("table", table).description("Leases this worker lost to another").register(registry);
        FunctionCounter.builder("ddb.streams.leases.renew.failures", counters.renewFailures, Number::doubleValue)
                .tag("table", table).description("Lease renewals that failed (not counting lost leases)").register(registry);
        FunctionCounter.builder("ddb.streams.leases.handed.off", counters.handedOff, Number::doubleValue)
                .tag("table", table).description("Leases this worker handed to a less busy worker").register(registry);
    }
}
