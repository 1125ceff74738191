package io.github.ddbstreams.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBServerHandler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/** Stopping and restarting the embedded server on the same port, in memory and persistent. */
class EmbeddedDynamoDbRestartIntegrationTest {

    /**
     * DynamoDB Local keeps its request dispatch table in a static field: every new server's handler replaces it
     * with an empty map and refills it. A call to a running server in that moment, while another server was
     * being created in the same JVM (test classes run in parallel), failed with {@code InvalidAction} ("The
     * action or operation requested is invalid"). Here the creation is held in that moment: the call waits
     * for the creation to end, then succeeds.
     */
    @Test
    void aCallWhileAnotherServerIsCreated_waitsForTheCreation_andSucceeds() throws Exception {
        try (EmbeddedDynamoDb serving = EmbeddedDynamoDb.start()) {
            serving.createTableWithStream("busy", StreamViewType.NEW_IMAGE);
            Field dispatchers = LocalDynamoDBServerHandler.class.getDeclaredField("dispatchers");
            dispatchers.setAccessible(true);
            AtomicReference<CompletableFuture<DescribeTableResponse>> call = new AtomicReference<>();
            EmbeddedDynamoDb.creatingServer(() -> {
                // what a new server's handler does first: an empty dispatch table, filled again afterwards
                Object filled = dispatchers.get(null);
                dispatchers.set(null, new HashMap<>());
                try {
                    call.set(serving.dynamoDbAsyncClient().describeTable(d -> d.tableName("busy")));
                    await().atMost(Duration.ofSeconds(30)).until(() ->
                            call.get().isDone() || EmbeddedDynamoDb.waitingForServerCreation() > 0);
                } finally {
                    dispatchers.set(null, filled);
                }
                return null;
            });
            assertThat(call.get().get(30, TimeUnit.SECONDS).table().tableName()).isEqualTo("busy");
        }
    }

    @Test
    void stopServer_makesCallsFailWithConnectionErrors_andRestartServesAgainOnSamePort() {
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start()) {
            int port = dynamoDb.port();
            dynamoDb.createTableWithStream("restartMe", StreamViewType.NEW_IMAGE);

            dynamoDb.stopServer();
            Throwable failure = catchCompletion(() -> dynamoDb.dynamoDbAsyncClient().listTables().join());
            assertThat(dynamoDb.isServerRunning()).isFalse();
            dynamoDb.restartServer();

            assertThat(failure).isInstanceOf(SdkClientException.class);
            assertThat(hasIoCause(failure)).as("caused by an I/O error: %s", failure).isTrue();
            assertThat(dynamoDb.port()).isEqualTo(port);
            assertThat(dynamoDb.isServerRunning()).isTrue();
            // in memory: the restarted server is empty, and the same (shared) client works again
            assertThat(dynamoDb.dynamoDbAsyncClient().listTables().join().tableNames()).isEmpty();
            assertThat(dynamoDb.isPersistent()).isFalse();
        }
    }

    @Test
    void restartServer_whenPersistent_keepsTablesItemsAndStreams(@TempDir Path dir) {
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.startPersistent(dir)) {
            String arn = dynamoDb.createTableWithStream("kept", StreamViewType.NEW_AND_OLD_IMAGES);
            dynamoDb.syncClient().putItem(b -> b.tableName("kept").item(Map.of(
                    "pk", AttributeValue.fromS("a"), "v", AttributeValue.fromN("1"))));

            dynamoDb.restartServer();

            assertThat(dynamoDb.isPersistent()).isTrue();
            assertThat(dynamoDb.syncClient().getItem(b -> b.tableName("kept")
                    .key(Map.of("pk", AttributeValue.fromS("a")))).item()).containsEntry("v", AttributeValue.fromN("1"));
            assertThat(dynamoDb.syncClient().describeTable(b -> b.tableName("kept")).table().latestStreamArn())
                    .isEqualTo(arn);
            DynamoDbStreamsAsyncClient streams = dynamoDb.streamsAsyncClient();
            String shardId = streams.describeStream(b -> b.streamArn(arn)).join()
                    .streamDescription().shards().get(0).shardId();
            String iterator = streams.getShardIterator(b -> b.streamArn(arn).shardId(shardId)
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator();
            GetRecordsResponse records = streams.getRecords(b -> b.shardIterator(iterator)).join();
            assertThat(records.records()).hasSize(1);
            assertThat(records.records().get(0).dynamodb().newImage()).containsEntry("v", AttributeValue.fromN("1"));
        }
    }

    @Test
    void restartServer_whenInMemory_losesTables() {
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start()) {
            dynamoDb.createTableWithStream("lost", StreamViewType.NEW_IMAGE);

            dynamoDb.restartServer();

            assertThatThrownBy(() -> dynamoDb.syncClient().describeTable(b -> b.tableName("lost")))
                    .isInstanceOf(ResourceNotFoundException.class);
        }
    }

    @Test
    void stopServer_afterClose_fails() {
        EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
        dynamoDb.close();
        assertThatThrownBy(dynamoDb::restartServer).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    private static Throwable catchCompletion(Runnable call) {
        try {
            call.run();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("the call did not fail");
    }

    private static boolean hasIoCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException) {
                return true;
            }
        }
        return false;
    }
}
