package io.github.ddbstreams;

import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.github.ddbstreams.backfill.BackfillOptions;
import io.github.ddbstreams.backfill.DynamoDbBackfillPositionStoreOptions;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStoreOptions;
import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.migration.KclImportOptions;
import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.dedupe.DedupeOptions;
import io.github.ddbstreams.operators.delta.DeltaOptions;
import io.github.ddbstreams.operators.errors.DynamoDbFailureDestinationOptions;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions;
import io.github.ddbstreams.operators.errors.FailureReplayOptions;
import io.github.ddbstreams.operators.batch.WindowOptions;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.testkit.OptionsContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * Every options class of the core keeps its defaults, its validation messages, its {@code toString()} and a
 * lossless {@code toBuilder()}: the transcripts under {@code src/test/resources/options-contract} were written
 * before the options were rewritten and must not change unless an option does.
 */
class OptionsContractTest {

    private static final DynamoDbAsyncClient CLIENT = DynamoDbAsyncClient.builder().region(Region.US_EAST_1)
            .credentialsProvider(AnonymousCredentialsProvider.create()).build();
    private static final DynamoDbStreamsAsyncClient STREAMS = DynamoDbStreamsAsyncClient.builder().region(Region.US_EAST_1)
            .credentialsProvider(AnonymousCredentialsProvider.create()).build();

    @AfterAll
    static void closeClients() {
        CLIENT.close();
        STREAMS.close();
    }

    static Stream<Arguments> optionsClasses() {
        return Stream.of(
                options("RetryOptions", RetryOptions::builder),
                options("ReceiverOptions", () -> ReceiverOptions.builder().tableName("Orders")),
                options("LeaseOptions", () -> LeaseOptions.builder().client(CLIENT).tableName("leases").workerId("w1")),
                options("BackfillOptions", () -> BackfillOptions.builder().dynamoDbClient(CLIENT).tableName("Orders")),
                options("DynamoDbBackfillPositionStoreOptions",
                        () -> DynamoDbBackfillPositionStoreOptions.builder().client(CLIENT).tableName("positions")),
                options("DynamoDbCheckpointStoreOptions",
                        () -> DynamoDbCheckpointStoreOptions.builder().client(CLIENT).tableName("checkpoints")),
                options("KclImportOptions",
                        () -> KclImportOptions.builder().client(CLIENT).streamsClient(STREAMS).leaseTableName("kcl")),
                options("BatchOptions", BatchOptions::builder),
                options("DedupeOptions", DedupeOptions::builder),
                options("DeltaOptions", DeltaOptions::builder),
                options("WindowOptions", WindowOptions::builder),
                options("ErrorHandlingOptions", ErrorHandlingOptions::builder),
                options("FailureReplayOptions", () -> FailureReplayOptions.builder().client(CLIENT).tableName("failures")),
                options("DynamoDbFailureDestinationOptions",
                        () -> DynamoDbFailureDestinationOptions.builder().client(CLIENT).tableName("failures")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optionsClasses")
    void keepsDefaultsValidationAndRoundTrip(String name, Supplier<?> validBuilder) {
        OptionsContract.assertMatchesGolden(validBuilder, Path.of("src/test/resources/options-contract", name + ".txt"));
    }

    private static Arguments options(String name, Supplier<?> validBuilder) {
        return Arguments.of(name, validBuilder);
    }
}
