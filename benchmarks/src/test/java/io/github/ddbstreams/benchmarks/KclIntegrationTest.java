package io.github.ddbstreams.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.migration.KclImportOptions;
import io.github.ddbstreams.migration.KclImportPlan;
import io.github.ddbstreams.migration.KclLeaseTableException;
import io.github.ddbstreams.migration.KclLeaseTableImport;
import io.github.ddbstreams.migration.ShardResume;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StartPosition;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.SimulatedStreamsService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The real KCL 3 with the DynamoDB Streams Kinesis adapter 2 (the benchmarks' {@link KclContender}), its lease
 * tables in DynamoDB Local, in two scenarios that run side by side (each with its own DynamoDB Local): most of each
 * is the KCL's start-up, which waits on fixed timers (a random 1–30 s "lease table is still empty" wait, a 10 s poll
 * for its lease table's index), so together they take about as long as the longer one.
 * <ul>
 *   <li>A move from the KCL to the receiver: the KCL reads a stream whose shard rolled over (a SHARD_END parent
 *       and its child) and is stopped half-way through a workload; its lease table is imported; the receiver then
 *       reads every record the KCL did not checkpoint and none at or before the KCL's checkpoints.</li>
 *   <li>The KCL reading a stream of the testkit's {@link SimulatedStreamsService}: every record of a 4-shard stream
 *       is delivered, including the records written after every shard rotated (parents read to their end, then
 *       their children).</li>
 * </ul>
 *
 * <p>Only these two methods run concurrently (failsafe's JUnit configuration in this module's pom keeps every
 * other class and method on one thread). The KCL here runs {@link KclContender.Settings#forTests}.
 */
class KclIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(KclIntegrationTest.class);
    private static final int BEFORE_ROLLOVER = 150;
    private static final int AFTER_ROLLOVER = 350;
    private static final int TOTAL = BEFORE_ROLLOVER + AFTER_ROLLOVER;

    private static final int SIMULATED_SHARDS = 4;
    private static final int SIMULATED_BEFORE_ROTATION = 200;
    private static final int SIMULATED_AFTER_ROTATION = 200;

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void importKclLeaseTable_afterKclStoppedHalfWay_losesNothingAndRedeliversNothingBeforeItsCheckpoints()
            throws Exception {
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
                LocalClients clients = new LocalClients(dynamoDb.endpoint())) {
            String arn = dynamoDb.createTableWithStream("Orders", StreamViewType.NEW_AND_OLD_IMAGES);
            StreamWriter writer = new StreamWriter(clients.dynamoDb);
            writer.bulkLoad("Orders", "k", BEFORE_ROLLOVER, 4);
            dynamoDb.triggerShardRollover();

            String application = "orders-kcl-" + UUID.randomUUID();
            Set<String> seenByKcl = ConcurrentHashMap.newKeySet();
            KclContender kcl = new KclContender(clients, KclContender.Settings.forTests(100), application);
            KclLeaseTableImport importer = KclLeaseTableImport.create(KclImportOptions.builder()
                    .client(clients.dynamoDb).streamsClient(clients.streams).leaseTableName(application)
                    .observationWindow(Duration.ofSeconds(3)).build());
            try {
                kcl.start(arn, seenByKcl::add);
                // half-way: the KCL has finished the parent and read part of the child, the writer is still writing
                for (int i = 0; i < AFTER_ROLLOVER / 2; i++) {
                    writer.put("Orders", "k" + (BEFORE_ROLLOVER + i), BEFORE_ROLLOVER + i);
                }
                await().atMost(Duration.ofSeconds(150)).until(() -> seenByKcl.size() >= BEFORE_ROLLOVER + 50);

                // while the KCL runs, its lease counters move: the import refuses
                assertThatThrownBy(() -> importer.plan(arn).block())
                        .isInstanceOf(KclLeaseTableException.class)
                        .hasMessageContaining("the KCL application still runs");
            } finally {
                kcl.close();
            }
            for (int i = AFTER_ROLLOVER / 2; i < AFTER_ROLLOVER; i++) {
                writer.put("Orders", "k" + (BEFORE_ROLLOVER + i), BEFORE_ROLLOVER + i);
            }

            KclImportPlan plan = importer.plan(arn).block();
            log.info("{}", plan.describe());
            assertThat(plan.shards().values()).extracting(ShardResume::position)
                    .containsExactlyInAnyOrder(ShardResume.Position.FINISHED, ShardResume.Position.AFTER_SEQUENCE_NUMBER);
            ShardResume resumed = plan.shards().values().stream()
                    .filter(shard -> shard.position() == ShardResume.Position.AFTER_SEQUENCE_NUMBER)
                    .findFirst().orElseThrow();

            InMemoryCheckpointStore store = new InMemoryCheckpointStore();
            Map<String, ChangeRecord> ours = new ConcurrentHashMap<>();
            Set<String> outOfPlan = ConcurrentHashMap.newKeySet();
            Disposable receiving = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                            .streamsClient(clients.streams).dynamoDbClient(clients.dynamoDb).streamArn(arn)
                            .startPosition(StartPosition.trimHorizon())
                            .checkpointStore(importer.seeding(store))
                            .build())
                    .receive()
                    .subscribe(record -> {
                        String key = record.keys().get("pk").s();
                        if (!record.shardId().equals(resumed.shardId())
                                || SequenceNumbers.compare(record.sequenceNumber(), resumed.sequenceNumber()) <= 0) {
                            outOfPlan.add(key + "@" + record.shardId() + "/" + record.sequenceNumber());
                        }
                        ours.put(key, record);
                        record.checkpoint().acknowledge();
                    });
            try {
                Set<String> all = new HashSet<>();
                for (int i = 0; i < TOTAL; i++) {
                    all.add("k" + i);
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    Set<String> union = new HashSet<>(seenByKcl);
                    union.addAll(ours.keySet());
                    return union.containsAll(all);
                });
            } finally {
                receiving.dispose();
            }

            Set<String> twice = ours.keySet().stream().filter(seenByKcl::contains).collect(Collectors.toSet());
            log.info("KCL delivered {} records, the receiver {} after the import, {} of them twice (KCL-delivered, not"
                    + " checkpointed)", seenByKcl.size(), ours.size(), twice.size());
            // nothing at or before a KCL checkpoint, nothing of the SHARD_END parent
            assertThat(outOfPlan).isEmpty();
            // the KCL stopped gracefully, checkpointing what it had processed: it had read records the receiver reads
            assertThat(ours).isNotEmpty();
            assertThat(store.snapshot(arn)).containsKeys(plan.shards().keySet().toArray(String[]::new));
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void kclAdapter_whenSimulatedStreamWith4ShardsRotates_deliversEveryRecord() {
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
                SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(SIMULATED_SHARDS)
                        .rotationPeriod(Duration.ZERO).start();
                LocalClients clients = new LocalClients(dynamoDb.endpoint(), service.endpoint(), 10)) {
            for (int i = 0; i < SIMULATED_BEFORE_ROTATION; i++) {
                service.write("k" + i);
            }
            Set<String> seen = ConcurrentHashMap.newKeySet();
            KclContender kcl = new KclContender(clients, KclContender.Settings.forTests(100), "sim-kcl-" + UUID.randomUUID());
            try {
                kcl.start(service.streamArn(), seen::add);
                await().atMost(Duration.ofSeconds(100)).until(() -> seen.size() >= SIMULATED_BEFORE_ROTATION);

                service.rotateNow(false);
                for (int i = SIMULATED_BEFORE_ROTATION; i < SIMULATED_BEFORE_ROTATION + SIMULATED_AFTER_ROTATION; i++) {
                    service.write("k" + i);
                }
                Set<String> all = IntStream.range(0, SIMULATED_BEFORE_ROTATION + SIMULATED_AFTER_ROTATION).mapToObj(i -> "k" + i)
                        .collect(Collectors.toSet());
                await().atMost(Duration.ofSeconds(30)).until(() -> seen.containsAll(all));
            } finally {
                kcl.close();
            }
            assertThat(seen).hasSize(SIMULATED_BEFORE_ROTATION + SIMULATED_AFTER_ROTATION);
            // the KCL listed the stream and took one iterator per shard at least: parents and children
            assertThat(service.calls(SimulatedStreamsService.GET_SHARD_ITERATOR)).isGreaterThanOrEqualTo(2 * SIMULATED_SHARDS);
        }
    }
}
