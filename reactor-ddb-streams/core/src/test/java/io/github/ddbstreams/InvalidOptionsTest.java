package io.github.ddbstreams;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;

import io.github.ddbstreams.backfill.BackfillOptions;
import io.github.ddbstreams.backfill.DynamoDbBackfillPositionStoreOptions;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStoreOptions;
import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.batch.WindowOptions;
import io.github.ddbstreams.operators.dedupe.DedupeOptions;
import io.github.ddbstreams.operators.delta.DeltaOptions;
import io.github.ddbstreams.operators.errors.DynamoDbFailureDestinationOptions;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions;
import io.github.ddbstreams.receiver.ReceiverOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/** Every options class rejects invalid values with a message naming the offending field. */
class InvalidOptionsTest {

    private static final DynamoDbAsyncClient CLIENT = DynamoDbAsyncClient.builder()
            .region(software.amazon.awssdk.regions.Region.US_EAST_1)
            .credentialsProvider(software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider.create())
            .build();

    @AfterAll
    static void closeClient() {
        CLIENT.close();
    }

    static Stream<Arguments> invalidOptions() {
        return Stream.of(
                // BackfillOptions
                invalid("BackfillOptions", "dynamoDbClient", () -> BackfillOptions.builder().tableName("Orders").build()),
                invalid("BackfillOptions", "tableName", () -> backfill().tableName(null).build()),
                invalid("BackfillOptions", "tableName", () -> backfill().tableName("a b").build()),
                invalid("BackfillOptions", "totalSegments", () -> backfill().totalSegments(0).build()),
                invalid("BackfillOptions", "totalSegments", () -> backfill().totalSegments(1_000_001).build()),
                invalid("BackfillOptions", "pageSize", () -> backfill().pageSize(0).build()),
                invalid("BackfillOptions", "backfillId", () -> backfill().backfillId("").build()),
                invalid("BackfillOptions", "streamOverlap", () -> backfill().streamOverlap(Duration.ofSeconds(-1)).build()),
                invalid("BackfillOptions", "streamOverlap", () -> backfill().streamOverlap(null).build()),
                invalid("BackfillOptions", "streamRetention", () -> backfill().streamRetention(Duration.ofMinutes(1)).build()),
                invalid("BackfillOptions", "maxRetries", () -> backfill().maxRetries(-1).build()),
                invalid("BackfillOptions", "retryBackoff", () -> backfill().retryBackoff(Duration.ZERO).build()),
                invalid("BackfillOptions", "maxRetryBackoff", () -> backfill().maxRetryBackoff(Duration.ofMillis(1)).build()),
                invalid("BackfillOptions", "scheduler", () -> backfill().scheduler(null).build()),
                // DynamoDbBackfillPositionStoreOptions
                invalid("DynamoDbBackfillPositionStoreOptions", "client",
                        () -> DynamoDbBackfillPositionStoreOptions.builder().tableName("positions").build()),
                invalid("DynamoDbBackfillPositionStoreOptions", "tableName",
                        () -> DynamoDbBackfillPositionStoreOptions.builder().client(CLIENT).build()),
                invalid("DynamoDbBackfillPositionStoreOptions", "tableName",
                        () -> DynamoDbBackfillPositionStoreOptions.builder().client(CLIENT).tableName("x").build()),
                invalid("DynamoDbBackfillPositionStoreOptions", "tableCreationTimeout",
                        () -> DynamoDbBackfillPositionStoreOptions.builder().client(CLIENT).tableName("positions")
                                .tableCreationTimeout(Duration.ZERO).build()),
                // ReceiverOptions
                invalid("ReceiverOptions", "tableName", () -> ReceiverOptions.builder().build()),
                invalid("ReceiverOptions", "streamArn", () -> ReceiverOptions.builder().streamArn("nope").build()),
                invalid("ReceiverOptions", "maxRecordsPerRequest",
                        () -> ReceiverOptions.builder().tableName("Orders").maxRecordsPerRequest(1001).build()),
                invalid("ReceiverOptions", "pollInterval",
                        () -> ReceiverOptions.builder().tableName("Orders").pollInterval(Duration.ofMillis(-1)).build()),
                invalid("ReceiverOptions", "commitInterval",
                        () -> ReceiverOptions.builder().tableName("Orders").commitInterval(Duration.ZERO).build()),
                invalid("ReceiverOptions", "maxRetryBackoff",
                        () -> ReceiverOptions.builder().tableName("Orders").maxRetryBackoff(Duration.ofMillis(1)).build()),
                // DynamoDbCheckpointStoreOptions
                invalid("DynamoDbCheckpointStoreOptions", "client",
                        () -> DynamoDbCheckpointStoreOptions.builder().tableName("checkpoints").build()),
                invalid("DynamoDbCheckpointStoreOptions", "tableName",
                        () -> DynamoDbCheckpointStoreOptions.builder().client(CLIENT).tableName("no spaces").build()),
                // LeaseOptions
                invalid("LeaseOptions", "client", () -> LeaseOptions.builder().tableName("leases").build()),
                invalid("LeaseOptions", "failoverTime", () -> LeaseOptions.builder().client(CLIENT).tableName("leases")
                        .failoverTime(Duration.ofMillis(1)).build()),
                invalid("LeaseOptions", "maxLeasesPerWorker", () -> LeaseOptions.builder().client(CLIENT).tableName("leases")
                        .maxLeasesPerWorker(0).build()),
                // operators
                invalid("DedupeOptions", "maxSize", () -> DedupeOptions.builder().maxSize(0).build()),
                invalid("DedupeOptions", "maxAge", () -> DedupeOptions.builder().maxAge(Duration.ZERO).build()),
                invalid("DeltaOptions", "unsupportedViewTypePolicy",
                        () -> DeltaOptions.builder().unsupportedViewTypePolicy(null).build()),
                invalid("WindowOptions", "duration", () -> WindowOptions.builder().duration(Duration.ZERO).build()),
                invalid("BatchOptions", "maxRecords", () -> BatchOptions.builder().maxRecords(0).build()),
                invalid("BatchOptions", "maxBytes", () -> BatchOptions.builder().maxBytes(0).build()),
                invalid("BatchOptions", "maxWait", () -> BatchOptions.builder().maxWait(Duration.ZERO).build()),
                invalid("ErrorHandlingOptions", "maxAttempts", () -> ErrorHandlingOptions.builder().maxAttempts(0).build()),
                invalid("ErrorHandlingOptions", "retryJitter", () -> ErrorHandlingOptions.builder().retryJitter(2).build()),
                invalid("DynamoDbFailureDestinationOptions", "tableName",
                        () -> DynamoDbFailureDestinationOptions.builder().client(CLIENT).build()),
                invalid("DynamoDbFailureDestinationOptions", "maxErrorMessageLength",
                        () -> DynamoDbFailureDestinationOptions.builder().client(CLIENT).tableName("failures")
                                .maxErrorMessageLength(1).build()));
    }

    private static BackfillOptions.Builder backfill() {
        return BackfillOptions.builder().dynamoDbClient(CLIENT).tableName("Orders");
    }

    private static Arguments invalid(String options, String field, Executable build) {
        return Arguments.of(options, field, build);
    }

    @ParameterizedTest(name = "{0}.{1}")
    @MethodSource("invalidOptions")
    void build_withInvalidField_failsNamingTheField(String options, String field, Executable build) {
        assertThatThrownBy(build::execute)
                .isInstanceOfAny(IllegalArgumentException.class, IllegalStateException.class, NullPointerException.class)
                .hasMessageContaining(field);
    }
}
