package io.github.ddbstreams.lease.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

import io.github.ddbstreams.lease.LeaseOptions;

/** Counts of lease events; registered with Micrometer only when the options carry a registry. */
final class LeaseCounters {

    final AtomicLong taken = new AtomicLong();
    final AtomicLong lost = new AtomicLong();
    final AtomicLong renewFailures = new AtomicLong();
    final AtomicLong handedOff = new AtomicLong();
    final AtomicLong drainTimeouts = new AtomicLong();
    /**
     * Leases held now. Kept here, not only in the gauge: Micrometer holds a gauge's state object weakly, so a
     * lambda referenced by nothing else would be collected and the gauge read NaN.
     */
    final IntSupplier held;

    LeaseCounters(LeaseOptions options, IntSupplier held) {
        this.held = held;
        if (options.meterRegistry() != null) {
            // Loaded only here, so Micrometer stays optional.
            LeaseMeters.register(options.meterRegistry(), options.tableName(), this);
        }
    }
}
