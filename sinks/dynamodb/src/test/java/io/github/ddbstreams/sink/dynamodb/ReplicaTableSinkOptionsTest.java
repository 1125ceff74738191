package io.github.ddbstreams.sink.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ddbstreams.RetryOptions;
import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

class ReplicaTableSinkOptionsTest {

    private static ReplicaTableSinkOptions.Builder valid() {
        return ReplicaTableSinkOptions.builder().region(Region.EU_WEST_1).tableName("orders-replica");
    }

    @Test
    void build_withDefaults_usesTheDocumentedValues() {
        ReplicaTableSinkOptions options = valid().build();
        assertThat(options.sequenceNumberAttributeName()).isEqualTo("_ddbstreams_seq");
        assertThat(options.deletedAttributeName()).isEqualTo("_ddbstreams_deleted");
        assertThat(options.removeMode()).isEqualTo(RemoveMode.TOMBSTONE);
        assertThat(options.tombstoneTimeToLive()).isEmpty();
        assertThat(options.maxConcurrency()).isEqualTo(16);
        assertThat(options.name()).isEqualTo("replica");
        assertThat(options.toBuilder().build().toString()).isEqualTo(options.toString());
    }

    @Test
    void build_whenRulesAreBroken_namesTheOption() {
        assertThatThrownBy(() -> ReplicaTableSinkOptions.builder().region(Region.EU_WEST_1).build())
                .hasMessageContaining("tableName");
        assertThatThrownBy(() -> ReplicaTableSinkOptions.builder().tableName("t12").build())
                .hasMessageContaining("client or region");
        assertThatThrownBy(() -> valid().tableName("a b").build()).hasMessageContaining("tableName");
        assertThatThrownBy(() -> valid().deletedAttributeName("_ddbstreams_seq").build())
                .hasMessageContaining("deletedAttributeName");
        assertThatThrownBy(() -> valid().tombstoneTimeToLive("ttl", Duration.ZERO).build())
                .hasMessageContaining("tombstoneTimeToLive");
        assertThatThrownBy(() -> valid().tombstoneTimeToLive("ttl", Duration.ofHours(25)).removeMode(RemoveMode.DELETE)
                .build()).hasMessageContaining("removeMode");
        assertThatThrownBy(() -> valid().maxConcurrency(0).build()).hasMessageContaining("maxConcurrency");
        assertThatThrownBy(() -> valid().maxRetries(-1).build()).hasMessageContaining("maxRetries");
        assertThatThrownBy(() -> valid().retryBackoff(Duration.ofSeconds(10)).build()).hasMessageContaining("maxRetryBackoff");
        assertThatThrownBy(() -> valid().name(" ").build()).hasMessageContaining("name");
    }

    @Test
    void build_whenClientAndRegionBothSet_rejects() {
        try (var fake = new FakeDynamoDbClient(r -> null).client) {
            assertThatThrownBy(() -> valid().client(fake).build()).hasMessageContaining("client must not be combined");
        }
    }

    @Test
    void toString_neverShowsCredentials() {
        String text = valid().endpoint(URI.create("http://127.0.0.1:8000"))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDSECRET", "s3cr3t")))
                .build().toString();
        assertThat(text).doesNotContain("AKIDSECRET").doesNotContain("s3cr3t").contains("credentials=set");
    }

    @Test
    void create_withRegionAndEndpoint_makesAClientItClosesOnDispose() {
        ReplicaTableSink sink = ReplicaTableSink.create(valid().endpoint(URI.create("http://127.0.0.1:1"))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b"))).build());
        sink.disposeLater().block(Duration.ofSeconds(10));
        sink.disposeLater().block(Duration.ofSeconds(10)); // idempotent
        assertThat(sink.name()).isEqualTo("replica");
    }

    @Test
    void retry_roundTrips_andTheSettersAreItsViews() {
        ReplicaTableSinkOptions defaults = valid().build();
        assertThat(defaults.retry()).isEqualTo(RetryOptions.builder().maxRetries(3).retryBackoff(Duration.ofMillis(100))
                .maxRetryBackoff(Duration.ofSeconds(5)).build());

        RetryOptions retry = RetryOptions.builder().maxRetries(4).retryBackoff(Duration.ZERO)
                .maxRetryBackoff(Duration.ofSeconds(1)).retryJitter(0.2).build();
        ReplicaTableSinkOptions options = defaults.toBuilder().retry(retry).build();
        assertThat(options.retry()).isEqualTo(retry);
        assertThat(options.toBuilder().build().retry()).isEqualTo(retry);
        assertThat(options.maxRetries()).isEqualTo(4);
        assertThat(options.retryBackoff()).isZero();
        assertThat(options.maxRetryBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.toBuilder().maxRetries(9).build().retry()).isEqualTo(retry.toBuilder().maxRetries(9).build());
        // the int getter saturates; the retries themselves follow retry()
        assertThat(options.toBuilder().retry(RetryOptions.builder().build()).build().maxRetries())
                .isEqualTo(Integer.MAX_VALUE);
    }
}
