package io.github.ddbstreams.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

class EmbeddedDynamoDbIntegrationTest {

    private static EmbeddedDynamoDb dynamoDb;

    @BeforeAll
    static void startServer() {
        dynamoDb = EmbeddedDynamoDb.start();
    }

    @AfterAll
    static void stopServer() {
        if (dynamoDb != null) {
            dynamoDb.close();
        }
    }

    @Test
    void start_listensOnLoopbackOnly() throws IOException {
        assertThat(dynamoDb.boundHost()).isEqualTo("127.0.0.1");
        assertThat(dynamoDb.endpoint().toString()).isEqualTo("http://127.0.0.1:" + dynamoDb.port());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), dynamoDb.port()), 2_000);
        }

        Optional<InetAddress> external = nonLoopbackAddress();
        Assumptions.assumeTrue(external.isPresent(), "no non-loopback IPv4 address on this machine");
        assertThatThrownBy(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(external.get(), dynamoDb.port()), 2_000);
            }
        }).as("connecting on %s", external.get()).isInstanceOf(ConnectException.class);
    }

    @Test
    void createTableWithStream_putItem_recordReadableThroughStreamsClient(TestInfo testInfo) {
        String table = tableName(testInfo);
        String streamArn = dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        assertThat(streamArn).startsWith("arn:aws:dynamodb:").contains(table);

        DynamoDbAsyncClient client = dynamoDb.dynamoDbAsyncClient();
        client.putItem(r -> r.tableName(table).item(Map.of(
                "pk", AttributeValue.fromS("order-1"),
                "total", AttributeValue.fromN("42")))).join();

        GetItemResponse item = dynamoDb.syncClient()
                .getItem(r -> r.tableName(table).key(Map.of("pk", AttributeValue.fromS("order-1"))).consistentRead(true));
        assertThat(item.item()).containsEntry("total", AttributeValue.fromN("42"));

        DynamoDbStreamsAsyncClient streams = dynamoDb.streamsAsyncClient();
        List<Shard> shards = streams.describeStream(r -> r.streamArn(streamArn)).join().streamDescription().shards();
        assertThat(shards).hasSize(1);
        String iterator = streams.getShardIterator(r -> r.streamArn(streamArn)
                        .shardId(shards.get(0).shardId())
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
                .join().shardIterator();

        GetRecordsResponse page = streams.getRecords(r -> r.shardIterator(iterator)).join();
        assertThat(page.records()).hasSize(1);
        Record record = page.records().get(0);
        assertThat(record.eventNameAsString()).isEqualTo("INSERT");
        assertThat(record.dynamodb().keys()).containsEntry("pk", AttributeValue.fromS("order-1"));
        assertThat(record.dynamodb().newImage()).containsEntry("total", AttributeValue.fromN("42"));
        assertThat(record.dynamodb().oldImage()).isEmpty();
        assertThat(page.nextShardIterator()).as("the open shard always has a next iterator").isNotNull();
    }

    @Test
    void triggerShardRollover_closesParentAndOpensChild(TestInfo testInfo) {
        String table = tableName(testInfo);
        String streamArn = dynamoDb.createTableWithStream(table, StreamViewType.KEYS_ONLY);
        DynamoDbAsyncClient client = dynamoDb.dynamoDbAsyncClient();
        DynamoDbStreamsAsyncClient streams = dynamoDb.streamsAsyncClient();
        client.putItem(r -> r.tableName(table).item(Map.of("pk", AttributeValue.fromS("before")))).join();
        Shard parent = streams.describeStream(r -> r.streamArn(streamArn)).join().streamDescription().shards().get(0);
        assertThat(parent.sequenceNumberRange().endingSequenceNumber()).isNull();

        dynamoDb.triggerShardRollover();

        List<Shard> shards = streams.describeStream(r -> r.streamArn(streamArn)).join().streamDescription().shards();
        assertThat(shards).hasSize(2);
        Shard closedParent = shards.stream().filter(s -> s.shardId().equals(parent.shardId())).findFirst().orElseThrow();
        Shard child = shards.stream().filter(s -> !s.shardId().equals(parent.shardId())).findFirst().orElseThrow();
        assertThat(closedParent.sequenceNumberRange().endingSequenceNumber()).isNotNull();
        assertThat(child.parentShardId()).isEqualTo(parent.shardId());
        assertThat(child.sequenceNumberRange().endingSequenceNumber()).isNull();

        // Writes after the rollover go to the child.
        client.putItem(r -> r.tableName(table).item(Map.of("pk", AttributeValue.fromS("after")))).join();

        AtomicReference<String> iterator = new AtomicReference<>(streams.getShardIterator(r -> r.streamArn(streamArn)
                .shardId(parent.shardId())
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator());
        StringBuilder parentKeys = new StringBuilder();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            GetRecordsResponse page = streams.getRecords(r -> r.shardIterator(iterator.get())).join();
            page.records().forEach(rec -> parentKeys.append(rec.dynamodb().keys().get("pk").s()).append(' '));
            iterator.set(page.nextShardIterator());
            return page.nextShardIterator() == null;
        });
        assertThat(parentKeys.toString().trim()).isEqualTo("before");

        String childIterator = streams.getShardIterator(r -> r.streamArn(streamArn)
                .shardId(child.shardId())
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                assertThat(streams.getRecords(r -> r.shardIterator(childIterator)).join().records())
                        .extracting(rec -> rec.dynamodb().keys().get("pk").s())
                        .containsExactly("after"));
    }

    @Test
    void newClients_areOwnedByCaller_andWork(TestInfo testInfo) {
        String table = tableName(testInfo);
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_IMAGE);
        try (DynamoDbAsyncClient client = dynamoDb.newDynamoDbAsyncClient();
             DynamoDbStreamsAsyncClient streams = dynamoDb.newStreamsAsyncClient()) {
            assertThat(client).isNotSameAs(dynamoDb.dynamoDbAsyncClient());
            assertThat(client.describeTable(r -> r.tableName(table)).join().table().tableStatus())
                    .isEqualTo(TableStatus.ACTIVE);
            assertThat(streams.listStreams(r -> r.tableName(table)).join().streams()).hasSize(1);
        }
        // The shared client is unaffected by closing the caller's clients.
        assertThat(dynamoDb.dynamoDbAsyncClient().listTables().join().tableNames()).contains(table);
    }

    @Test
    void close_stopsServer_refusesConnections_andIsIdempotent() {
        EmbeddedDynamoDb other = EmbeddedDynamoDb.start();
        int port = other.port();
        assertThat(port).isNotEqualTo(dynamoDb.port());
        other.dynamoDbAsyncClient().listTables().join();

        other.close();
        other.close();

        assertThatThrownBy(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
            }
        }).isInstanceOf(ConnectException.class);
        assertThatThrownBy(other::dynamoDbAsyncClient).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    private static String tableName(TestInfo testInfo) {
        String method = testInfo.getTestMethod().orElseThrow().getName();
        return (method.length() > 40 ? method.substring(0, 40) : method) + "-" + System.nanoTime();
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }
}
