package io.github.ddbstreams.samples.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.spring.boot.DynamoDbStreamsPipelineRunner;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The sample application against a DynamoDB Local server of the test's own (so two application contexts in turn
 * read one stream): changes arrive through the starter's pipeline, the health is UP and turns DOWN with the
 * pipeline's error, the meters are in Boot's registry, and closing the context commits the checkpoint so that the
 * next context resumes after it.
 */
class OrdersChangesApplicationIntegrationTest {

    private static final String TABLE = "Orders";
    private static EmbeddedDynamoDb dynamoDb;
    private static String streamArn;

    @BeforeAll
    static void startDynamoDb() {
        dynamoDb = EmbeddedDynamoDb.start();
        streamArn = dynamoDb.createTableWithStream(TABLE, StreamViewType.NEW_AND_OLD_IMAGES);
    }

    @AfterAll
    static void stopDynamoDb() {
        if (dynamoDb != null) {
            dynamoDb.close();
        }
    }

    private static ConfigurableApplicationContext start(int changes, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--ddb.streams.client.endpoint=" + dynamoDb.endpoint(),
                "--ddb.streams.client.region=" + EmbeddedDynamoDb.REGION.id(),
                "--ddb.streams.client.access-key-id=" + EmbeddedDynamoDb.DUMMY_CREDENTIAL,
                "--ddb.streams.client.secret-access-key=" + EmbeddedDynamoDb.DUMMY_CREDENTIAL,
                "--ddb.streams.commit-interval=1h", // only the final commit on close counts here
                "--sample.changes=" + changes,
                "--sample.fail-on-status=POISON"));
        args.addAll(List.of(more));
        return new SpringApplicationBuilder(OrdersChangesApplication.class).run(args.toArray(String[]::new));
    }

    @Test
    void sample_processesChanges_reportsHealth_andResumesAfterTheCheckpointCommittedOnClose() {
        List<ChangeRecord> first;
        try (ConfigurableApplicationContext context = start(30)) {
            ChangeLog changes = context.getBean(ChangeLog.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> changes.size() == 30);
            first = changes.records();
            assertThat(changes.countsByEventName()).containsExactlyInAnyOrderEntriesOf(
                    Map.of("INSERT", 6, "MODIFY", 18, "REMOVE", 6));

            Health health = health(context);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("state", "RUNNING").containsEntry("shardsActive", 1L)
                    .containsEntry("recordsReceived", 30L);
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get("ddb.streams.records.received").tag("table", TABLE).counter().count()).isEqualTo(30);
            // nothing committed yet: the periodic commit is an hour away
            assertThat(checkpoints()).isEmpty();
        }
        // closing the context stopped the pipeline and committed what it acknowledged, before returning
        Map<String, ShardCheckpoint> committed = checkpoints();
        ChangeRecord last = first.get(first.size() - 1);
        assertThat(committed).hasSize(1);
        assertThat(committed.get(last.shardId()).sequenceNumber()).isEqualTo(last.sequenceNumber());

        try (ConfigurableApplicationContext context = start(0)) {
            ChangeLog changes = context.getBean(ChangeLog.class);
            OrderWriter writer = context.getBean(OrderWriter.class);
            writer.write(40, "NEW");
            writer.write(41, "NEW");
            await().atMost(Duration.ofSeconds(30)).until(() -> changes.size() == 2);
            // resumed after the checkpoint: none of the first context's 30 changes again
            assertThat(changes.records()).extracting(r -> r.keysAsMap().get("pk")).containsExactly("order-40", "order-41");
            assertThat(health(context).getStatus()).isEqualTo(Status.UP);

            writer.write(42, "POISON");
            DynamoDbStreamsPipelineRunner pipeline = context.getBean(DynamoDbStreamsPipelineRunner.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> pipeline.state() == DynamoDbStreamsPipelineRunner.State.FAILED);
            Health down = health(context);
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails()).containsEntry("state", "FAILED");
            assertThat(down.getDetails().get("error").toString()).contains("order-42 has status POISON");
        }
    }

    @Test
    void sample_withLeases_releasesItsLeaseWithTheCheckpointOnClose() {
        dynamoDb.createTableWithStream("LeasedOrders", StreamViewType.NEW_AND_OLD_IMAGES);
        ChangeRecord last;
        try (ConfigurableApplicationContext context = start(12, "--ddb.streams.table-name=LeasedOrders",
                "--ddb.streams.checkpoint.table-name=", "--ddb.streams.leases.table-name=orders-sample-leases",
                "--ddb.streams.leases.worker-id=sample-worker", "--ddb.streams.leases.failover-time=3s")) {
            ChangeLog changes = context.getBean(ChangeLog.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> changes.size() == 12);
            last = changes.records().get(11);
            Health health = health(context);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            // 1, or "unknown" once a GC cleared the source of core's ddb.streams.leases.held gauge (a lambda that
            // only the gauge references, weakly): never a wrong 0
            assertThat(health.getDetails().get("leasesHeld")).isIn(1L, "unknown");
        }
        // the lease is free at once (no failover wait for the next worker) and holds the final checkpoint
        // the table's reserved items (shardId "~…": the stream's describer role) are not leases
        List<Map<String, AttributeValue>> leases = dynamoDb.syncClient()
                .scan(b -> b.tableName("orders-sample-leases").consistentRead(true)).items().stream()
                .filter(item -> !item.get("shardId").s().startsWith("~")).toList();
        assertThat(leases).singleElement().satisfies(lease -> {
            assertThat(lease).doesNotContainKey("leaseOwner");
            assertThat(lease.get("shardId").s()).isEqualTo(last.shardId());
            assertThat(lease.get("checkpoint").s()).isEqualTo(last.sequenceNumber());
        });
    }

    private static Health health(ConfigurableApplicationContext context) {
        return context.getBean("ddbstreamsHealthIndicator", HealthIndicator.class).health();
    }

    private static Map<String, ShardCheckpoint> checkpoints() {
        return io.github.ddbstreams.checkpoint.DynamoDbCheckpointStore.create(
                        io.github.ddbstreams.checkpoint.DynamoDbCheckpointStoreOptions.builder()
                                .client(dynamoDb.dynamoDbAsyncClient()).tableName("orders-sample-checkpoints").build())
                .load(streamArn).block(Duration.ofSeconds(10));
    }
}
