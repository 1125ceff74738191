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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * A move from the real KCL 3 (with the DynamoDB Streams Kinesis adapter 2) to the receiver, on DynamoDB Local:
 * the KCL reads a stream whose shard rolled over (a SHARD_END parent and its child) and is stopped half-way
 * through a workload; its lease table is imported; the receiver then reads every record the KCL did not
 * checkpoint and none at or before the KCL's checkpoints.
 */
class KclMigrationIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(KclMigrationIntegrationTest.class);
    private static final int BEFORE_ROLLOVER = 150;
    private static final int AFTER_ROLLOVER = 350;
    private static final int TOTAL = BEFORE_ROLLOVER + AFTER_ROLLOVER;

    @Test
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
}
