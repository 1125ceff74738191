package io.github.ddbstreams.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.receiver.ReceiverOptions;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

class LeaseOptionsTest {

    private final DynamoDbAsyncClient client = DynamoDbAsyncClient.builder()
            .region(software.amazon.awssdk.regions.Region.US_EAST_1).build();

    @Test
    void defaults_deriveRenewAndTakeIntervalsFromTheFailoverTime() {
        LeaseOptions options = LeaseOptions.builder().client(client).tableName("leases").failoverTime(Duration.ofSeconds(9))
                .build();
        assertThat(options.renewInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(options.takeInterval()).isEqualTo(Duration.ofMillis(4500));
        assertThat(options.drainTimeout()).isEqualTo(Duration.ofMillis(4500));
        assertThat(options.workerId()).isNotBlank();
        assertThat(options.toBuilder().build().toString()).isEqualTo(options.toString());
    }

    @Test
    void invalidOptions_areRejectedNamingTheOption() {
        assertThatThrownBy(() -> LeaseOptions.builder().tableName("leases").build()).hasMessageContaining("client");
        assertThatThrownBy(() -> LeaseOptions.builder().client(client).tableName("x").build())
                .hasMessageContaining("tableName");
        assertThatThrownBy(() -> LeaseOptions.builder().client(client).tableName("leases").workerId(" ").build())
                .hasMessageContaining("workerId");
        assertThatThrownBy(() -> LeaseOptions.builder().client(client).tableName("leases")
                .failoverTime(Duration.ofSeconds(3)).renewInterval(Duration.ofSeconds(2)).build())
                .hasMessageContaining("renewInterval").hasMessageContaining("half of failoverTime");
        assertThatThrownBy(() -> LeaseOptions.builder().client(client).tableName("leases").maxLeasesPerWorker(0).build())
                .hasMessageContaining("maxLeasesPerWorker");
    }

    @Test
    void drainTimeout_isAtLeastZero_andAtMostFailoverTimeMinusRenewInterval() {
        LeaseOptions.Builder builder = LeaseOptions.builder().client(client).tableName("leases")
                .failoverTime(Duration.ofSeconds(9));
        assertThat(builder.drainTimeout(Duration.ofSeconds(6)).build().drainTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(builder.drainTimeout(Duration.ZERO).build().drainTimeout()).isZero();
        assertThatThrownBy(() -> builder.drainTimeout(Duration.ofMillis(6001)).build())
                .hasMessageContaining("drainTimeout must be >= 0 and at most failoverTime - renewInterval")
                .hasMessageContaining("PT6S").hasMessageContaining("was PT6.001S");
        assertThatThrownBy(() -> builder.drainTimeout(Duration.ofMillis(-1)).build())
                .hasMessageContaining("drainTimeout");
        assertThat(builder.drainTimeout(Duration.ofSeconds(2)).build().toBuilder().build().drainTimeout())
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void leasesAndACheckpointStore_areExclusive() {
        LeaseOptions leases = LeaseOptions.builder().client(client).tableName("leases").build();
        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("Orders").leases(leases)
                .checkpointStore(CheckpointStore.inMemory()).build())
                .hasMessageContaining("checkpointStore must not be set together with leases");
    }
}
