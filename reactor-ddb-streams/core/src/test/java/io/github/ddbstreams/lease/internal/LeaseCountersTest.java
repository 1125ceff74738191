package io.github.ddbstreams.lease.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

class LeaseCountersTest {

    @Test
    void leasesHeldGauge_keepsReadingTheLeasesHeld_afterGarbageCollection() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Lease> held = new ConcurrentHashMap<>();
        try (DynamoDbAsyncClient client = DynamoDbAsyncClient.builder()
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).build()) {
            LeaseOptions options = LeaseOptions.builder().client(client).tableName("leases").meterRegistry(registry).build();
            LeaseCounters counters = new LeaseCounters(options, held::size);   // as LeaseCoordinator makes it
            held.put("s1", new Lease("s1", "me", 1, null, false, java.util.List.of(), null, "token", false, false));
            for (int i = 0; i < 5; i++) {
                System.gc();     // a gauge's state object is held weakly by Micrometer
            }
            assertThat(registry.get(DynamoDbStreamsMeters.LEASES_HELD.meterName()).gauge().value()).isEqualTo(1.0);
            assertThat(counters.held.getAsInt()).isEqualTo(1);
        }
    }
}
