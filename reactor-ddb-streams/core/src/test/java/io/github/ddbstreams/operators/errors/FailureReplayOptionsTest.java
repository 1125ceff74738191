package io.github.ddbstreams.operators.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

import io.github.ddbstreams.operators.errors.FailedRecord.Reason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

class FailureReplayOptionsTest {

    private static DynamoDbAsyncClient client;

    @BeforeAll
    static void createClient() {
        client = DynamoDbAsyncClient.builder().region(Region.US_EAST_1).build();
    }

    @AfterAll
    static void closeClient() {
        client.close();
    }

    private static FailureReplayOptions.Builder valid() {
        return FailureReplayOptions.builder().client(client).tableName("orders-failures");
    }

    @Test
    void build_withDefaults_replaysEveryReasonNotYetReplayedWithoutFilters() {
        FailureReplayOptions options = valid().build();
        assertThat(options.reasons()).isEqualTo(EnumSet.allOf(Reason.class));
        assertThat(options.includeReplayed()).isEqualTo(FailureReplayOptions.DEFAULT_INCLUDE_REPLAYED).isFalse();
        assertThat(options.pageSize()).isEqualTo(FailureReplayOptions.DEFAULT_PAGE_SIZE);
        assertThat(options.streamArn()).isEmpty();
        assertThat(options.shardId()).isEmpty();
        assertThat(options.failedAfter()).isEmpty();
        assertThat(options.failedBefore()).isEmpty();
        assertThat(options.toString()).contains("orders-failures");
    }

    @Test
    void toBuilder_keepsEveryOption() {
        Instant after = Instant.parse("2026-12-04T08:00:00Z");
        FailureReplayOptions options = valid().shard("arn:stream", "shardId-1").reasons(Reason.POISON_RECORD)
                .failedBetween(after, after.plusSeconds(60)).includeReplayed(true).pageSize(25).build();
        FailureReplayOptions copy = options.toBuilder().build();
        assertThat(copy.streamArn()).contains("arn:stream");
        assertThat(copy.shardId()).contains("shardId-1");
        assertThat(copy.reasons()).containsExactly(Reason.POISON_RECORD);
        assertThat(copy.failedAfter()).contains(after);
        assertThat(copy.failedBefore()).contains(after.plusSeconds(60));
        assertThat(copy.includeReplayed()).isTrue();
        assertThat(copy.pageSize()).isEqualTo(25);
        assertThat(valid().build().toBuilder().build().reasons()).hasSize(Reason.values().length);
    }

    @Test
    void build_withMissingOrInvalidOptions_failsNamingTheOption() {
        assertThatThrownBy(() -> FailureReplayOptions.builder().tableName("orders-failures").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("client is required");
        assertThatThrownBy(() -> FailureReplayOptions.builder().client(client).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("tableName is required");
        assertThatThrownBy(() -> FailureReplayOptions.builder().client(client).tableName("x").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tableName");
        assertThatThrownBy(() -> valid().shardId("").build()).hasMessageContaining("shardId must not be empty");
        assertThatThrownBy(() -> valid().streamArn("").build()).hasMessageContaining("streamArn must not be empty");
        Instant t = Instant.parse("2026-12-04T08:00:00Z");
        assertThatThrownBy(() -> valid().failedBetween(t, t).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("failedAfter must be before failedBefore, was failedAfter=2026-12-04T08:00:00Z, "
                        + "failedBefore=2026-12-04T08:00:00Z");
        assertThatThrownBy(() -> valid().pageSize(0).build()).hasMessage("pageSize must be between 1 and 1000, was 0");
        assertThatThrownBy(() -> valid().pageSize(1001).build()).hasMessageContaining("pageSize");
        assertThatThrownBy(() -> valid().reasons(Set.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reasons must not be empty");
        assertThatThrownBy(() -> valid().shardId(null)).isInstanceOf(NullPointerException.class).hasMessage("shardId");
        assertThatThrownBy(() -> FailureReplay.create(null)).isInstanceOf(NullPointerException.class).hasMessage("options");
    }
}
