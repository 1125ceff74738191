package io.github.ddbstreams.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/** Each fault kind of {@link FaultInjector} on real SDK clients against a real DynamoDB Local server. */
class FaultInjectorIntegrationTest {

    private static EmbeddedDynamoDb dynamoDb;
    private static final AtomicInteger tables = new AtomicInteger();

    @BeforeAll
    static void startServer() {
        dynamoDb = EmbeddedDynamoDb.start();
    }

    @AfterAll
    static void stopServer() {
        dynamoDb.close();
    }

    private static String newTable(TestInfo info) {
        String table = info.getTestMethod().orElseThrow().getName().replaceAll("[^a-zA-Z0-9]", "")
                + tables.incrementAndGet();
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        return table;
    }

    private static void put(String table, String key) {
        dynamoDb.syncClient().putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS(key))));
    }

    private static String iterator(DynamoDbStreamsAsyncClient streams, String table) {
        String arn = dynamoDb.syncClient().describeTable(b -> b.tableName(table)).table().latestStreamArn();
        String shardId = streams.describeStream(b -> b.streamArn(arn)).join().streamDescription().shards().get(0).shardId();
        return streams.getShardIterator(b -> b.streamArn(arn).shardId(shardId)
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator();
    }

    private static Throwable failureOf(Runnable call) {
        try {
            call.run();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("the call did not fail");
    }

    @Test
    void throttle_onGetRecords_failsWithLimitExceededWithoutReachingServer(TestInfo info) {
        String table = newTable(info);
        put(table, "a");
        FaultInjector faults = FaultInjector.create(1L);
        try (DynamoDbStreamsAsyncClient streams = dynamoDb.newStreamsAsyncClient(faults)) {
            String iterator = iterator(streams, table);
            faults.inject(FaultKind.THROTTLE).on("GetRecords").times(1);

            Throwable failure = failureOf(() -> streams.getRecords(b -> b.shardIterator(iterator)).join());
            GetRecordsResponse next = streams.getRecords(b -> b.shardIterator(iterator)).join();

            assertThat(failure).isInstanceOf(LimitExceededException.class);
            assertThat(((AwsServiceException) failure).statusCode()).isEqualTo(400);
            assertThat(((AwsServiceException) failure).awsErrorDetails().errorCode()).isEqualTo("LimitExceededException");
            assertThat(next.records()).hasSize(1);
            assertThat(faults.injected(FaultKind.THROTTLE)).isEqualTo(1);
            assertThat(faults.calls("GetRecords")).isEqualTo(2);
        }
    }

    @Test
    void throttle_onPutItem_isRetriedBySdkAndWritesOnce(TestInfo info) {
        String table = newTable(info);
        FaultInjector faults = FaultInjector.create(2L);
        try (DynamoDbAsyncClient client = dynamoDb.newDynamoDbAsyncClient(faults)) {
            faults.inject(FaultKind.THROTTLE).on("PutItem").times(2);

            client.putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("k")))).join();

            // ProvisionedThroughputExceededException is a throttling error code: the SDK retried twice
            assertThat(faults.calls("PutItem")).isEqualTo(3);
            assertThat(faults.injected(FaultKind.THROTTLE)).isEqualTo(2);
            assertThat(dynamoDb.syncClient().scan(b -> b.tableName(table)).items()).hasSize(1);
        }
    }

    @Test
    void throttle_exceptionOfDynamoDbOperations_isProvisionedThroughputExceeded(TestInfo info) {
        String table = newTable(info);
        FaultInjector faults = FaultInjector.create(3L);
        // without SDK retries: DynamoDB's throttling backoff would make exhausting them take ~50 s
        try (DynamoDbAsyncClient client = DynamoDbAsyncClient.builder()
                .endpointOverride(dynamoDb.endpoint())
                .region(EmbeddedDynamoDb.REGION)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        EmbeddedDynamoDb.DUMMY_CREDENTIAL, EmbeddedDynamoDb.DUMMY_CREDENTIAL)))
                .overrideConfiguration(o -> o.addExecutionInterceptor(faults)
                        .retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build()) {
            faults.inject(FaultKind.THROTTLE).on("DescribeTable").times(1);

            Throwable failure = failureOf(() -> client.describeTable(b -> b.tableName(table)).join());

            assertThat(failure).isInstanceOf(ProvisionedThroughputExceededException.class);
            assertThat(((AwsServiceException) failure).statusCode()).isEqualTo(400);
            assertThat(((AwsServiceException) failure).isThrottlingException()).isTrue();
            assertThat(client.describeTable(b -> b.tableName(table)).join().table().tableName()).isEqualTo(table);
        }
    }

    @Test
    void serverError_isRetriedBySdkThenSurfacesAs500(TestInfo info) {
        String table = newTable(info);
        put(table, "a");
        FaultInjector faults = FaultInjector.create(4L);
        try (DynamoDbStreamsAsyncClient streams = dynamoDb.newStreamsAsyncClient(faults)) {
            String arn = dynamoDb.syncClient().describeTable(b -> b.tableName(table)).table().latestStreamArn();
            faults.inject(FaultKind.SERVER_ERROR).on("DescribeStream").times(1);
            streams.describeStream(b -> b.streamArn(arn)).join();
            long afterOne = faults.calls("DescribeStream");

            faults.inject(FaultKind.SERVER_ERROR).on("DescribeStream").always();
            Throwable failure = failureOf(() -> streams.describeStream(b -> b.streamArn(arn)).join());

            assertThat(afterOne).isEqualTo(2);
            assertThat(failure).isInstanceOf(InternalServerErrorException.class);
            assertThat(((AwsServiceException) failure).statusCode()).isEqualTo(500);
            assertThat(faults.injected(FaultKind.SERVER_ERROR)).isEqualTo(faults.calls("DescribeStream") - 1);
        }
    }

    @Test
    void expiredIterator_onGetRecords_failsWithExpiredIteratorException(TestInfo info) {
        String table = newTable(info);
        put(table, "a");
        FaultInjector faults = FaultInjector.create(5L);
        try (DynamoDbStreamsAsyncClient streams = dynamoDb.newStreamsAsyncClient(faults)) {
            String iterator = iterator(streams, table);
            faults.inject(FaultKind.EXPIRED_ITERATOR).on("GetRecords").times(1);

            Throwable failure = failureOf(() -> streams.getRecords(b -> b.shardIterator(iterator)).join());

            assertThat(failure).isInstanceOf(ExpiredIteratorException.class);
            assertThat(faults.calls("GetRecords")).isEqualTo(1); // not retried by the SDK
            assertThat(streams.getRecords(b -> b.shardIterator(iterator)).join().records()).hasSize(1);
        }
    }

    @Test
    void latency_delaysTheResponseAndKeepsItIntact(TestInfo info) {
        String table = newTable(info);
        put(table, "a");
        FaultInjector faults = FaultInjector.create(6L);
        try (DynamoDbStreamsAsyncClient streams = dynamoDb.newStreamsAsyncClient(faults)) {
            String iterator = iterator(streams, table);
            faults.inject(FaultKind.LATENCY).latency(Duration.ofMillis(400)).on("GetRecords").times(1);

            long start = System.nanoTime();
            GetRecordsResponse slow = streams.getRecords(b -> b.shardIterator(iterator)).join();
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

            assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(400));
            assertThat(slow.records()).hasSize(1);
            assertThat(slow.records().get(0).dynamodb().keys()).isEqualTo(Map.of("pk", AttributeValue.fromS("a")));
            assertThat(faults.injected(FaultKind.LATENCY)).isEqualTo(1);
        }
    }

    @Test
    void droppedConnection_isAnIoCausedClientExceptionRetriedBySdk(TestInfo info) {
        String table = newTable(info);
        FaultInjector faults = FaultInjector.create(7L);
        try (DynamoDbAsyncClient client = dynamoDb.newDynamoDbAsyncClient(faults)) {
            faults.inject(FaultKind.DROPPED_CONNECTION).on("PutItem").times(1);
            client.putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("k")))).join();
            assertThat(faults.calls("PutItem")).isEqualTo(2);

            faults.inject(FaultKind.DROPPED_CONNECTION).on("GetItem").always();
            Throwable failure = failureOf(() -> client.getItem(b -> b.tableName(table)
                    .key(Map.of("pk", AttributeValue.fromS("k")))).join());

            assertThat(failure).isInstanceOf(SdkClientException.class).hasCauseInstanceOf(IOException.class);
            assertThat(faults.injected(FaultKind.DROPPED_CONNECTION)).isEqualTo(1 + faults.calls("GetItem"));
        }
    }

    @Test
    void predicate_selectsTheCallsThatFail(TestInfo info) {
        String table = newTable(info);
        FaultInjector faults = FaultInjector.create(8L);
        try (DynamoDbAsyncClient client = dynamoDb.newDynamoDbAsyncClient(faults)) {
            faults.inject(FaultKind.EXPIRED_ITERATOR).on("PutItem")
                    .when(r -> "poison".equals(((PutItemRequest) r).item().get("pk").s())).always();

            client.putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("fine")))).join();
            Throwable failure = failureOf(() -> client.putItem(b -> b.tableName(table)
                    .item(Map.of("pk", AttributeValue.fromS("poison")))).join());

            assertThat(failure).isInstanceOf(ExpiredIteratorException.class);
            assertThat(dynamoDb.syncClient().scan(b -> b.tableName(table)).items())
                    .containsExactly(Map.of("pk", AttributeValue.fromS("fine")));
        }
    }

    @Test
    void probability_withSameSeed_injectsTheSameFaults(TestInfo info) {
        String table = newTable(info);
        List<List<Boolean>> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            FaultInjector faults = FaultInjector.create(99L);
            try (DynamoDbAsyncClient client = dynamoDb.newDynamoDbAsyncClient(faults)) {
                faults.inject(FaultKind.EXPIRED_ITERATOR).on("DescribeTable").withProbability(0.3);
                List<Boolean> failed = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    try {
                        client.describeTable(b -> b.tableName(table)).join();
                        failed.add(false);
                    } catch (CompletionException e) {
                        failed.add(true);
                    }
                }
                assertThat(faults.injected(FaultKind.EXPIRED_ITERATOR)).isBetween(4L, 24L);
                assertThat(faults.injected()).containsEntry(FaultKind.THROTTLE, 0L);
                runs.add(failed);
            }
        }
        assertThat(runs.get(0)).isEqualTo(runs.get(1));
    }

    @Test
    void spec_withInvalidArguments_namesTheArgument() {
        FaultInjector faults = FaultInjector.create(0L);
        assertThatThrownBy(() -> faults.inject(FaultKind.THROTTLE).times(0)).hasMessageContaining("times");
        assertThatThrownBy(() -> faults.inject(FaultKind.THROTTLE).withProbability(1.5)).hasMessageContaining("probability");
        assertThatThrownBy(() -> faults.inject(FaultKind.LATENCY).latency(Duration.ofMillis(-1))).hasMessageContaining("latency");
        assertThatThrownBy(() -> faults.inject(FaultKind.THROTTLE).on()).hasMessageContaining("operations");
    }
}
