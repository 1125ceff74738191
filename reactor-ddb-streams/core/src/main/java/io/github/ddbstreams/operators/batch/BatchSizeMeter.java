package io.github.ddbstreams.operators.batch;

import java.util.function.IntConsumer;

import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/** The batch-size meter; loaded only when a registry is given, so Micrometer stays optional. */
final class BatchSizeMeter {

    private BatchSizeMeter() {
    }

    static IntConsumer register(MeterRegistry registry, String name) {
        DistributionSummary summary = DistributionSummary.builder(DynamoDbStreamsMeters.BATCH_SIZE.meterName())
                .tag("name", name)
                .baseUnit(DynamoDbStreamsMeters.BATCH_SIZE.baseUnit())
                .description("Records per batch")
                .register(registry);
        return summary::record;
    }
}
