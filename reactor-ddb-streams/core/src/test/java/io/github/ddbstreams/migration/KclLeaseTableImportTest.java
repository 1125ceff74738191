package io.github.ddbstreams.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.migration.ShardResume.Position;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

class KclLeaseTableImportTest {

    private static final String LABEL = "2024-01-01T00:00:00.000";
    private static final String ORDERS = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/" + LABEL;
    private static final String GRANDPARENT = "shardId-00000001700000000000-aaaaaaaa";
    private static final String PARENT = "shardId-00000001700014400000-bbbbbbbb";
    private static final String CHILD = "shardId-00000001700028800000-cccccccc";
    private static final String SIBLING = "shardId-00000001700028800001-dddddddd";
    private static final String NEWER = "shardId-00000001700043200000-eeeeeeee";
    private static final String SEQ_150 = "000000000000000000150";

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final List<List<Map<String, AttributeValue>>> scans = new ArrayList<>();
    private final AtomicInteger scanCount = new AtomicInteger();
    private final Map<String, String> streamShards = new LinkedHashMap<>();
    // never called: the tests hand the import a scripted table and shard list
    private static final DynamoDbAsyncClient dynamoDb = DynamoDbAsyncClient.builder().region(Region.US_EAST_1).build();
    private static final DynamoDbStreamsAsyncClient streams = DynamoDbStreamsAsyncClient.builder().region(Region.US_EAST_1).build();

    @AfterAll
    static void closeClients() {
        dynamoDb.close();
        streams.close();
    }

    // ---------------------------------------------------------------- formats

    @Test
    void plan_kcl1AdapterTable_resumesAfterCheckpointsAndFinishesTheShardEndParent() {
        table(lease(PARENT, "SHARD_END", 7).parents(GRANDPARENT),
                lease(CHILD, SEQ_150, 12).parents(PARENT).pending("000000000000000000180"));
        stream(GRANDPARENT, null, PARENT, GRANDPARENT, CHILD, PARENT, NEWER, CHILD);

        KclImportPlan plan = importer(Duration.ZERO, false).plan(ORDERS).block();

        assertThat(plan.shards()).containsOnlyKeys(GRANDPARENT, PARENT, CHILD, NEWER);
        assertThat(plan.shards().get(PARENT).position()).isEqualTo(Position.FINISHED);
        assertThat(plan.shards().get(CHILD)).extracting(ShardResume::position, ShardResume::sequenceNumber)
                .containsExactly(Position.AFTER_SEQUENCE_NUMBER, SEQ_150);
        assertThat(plan.shards().get(CHILD).reason()).contains("pendingCheckpoint 000000000000000000180 not used");
        assertThat(plan.shards().get(GRANDPARENT).position()).isEqualTo(Position.FINISHED);
        assertThat(plan.shards().get(NEWER).position()).isEqualTo(Position.FROM_BEGINNING);
        assertThat(plan.checkpoints()).containsExactlyInAnyOrder(ShardCheckpoint.ended(PARENT, null),
                ShardCheckpoint.at(CHILD, SEQ_150), ShardCheckpoint.ended(GRANDPARENT, null));
        assertThat(plan.describe()).contains(CHILD + " → after " + SEQ_150, NEWER + " → from its beginning");
    }

    @Test
    void plan_splitLineageWithParentCleanedUp_finishesParentAndStartsUnstartedChildAtItsBeginning() {
        table(lease(CHILD, SEQ_150, 3).parents(PARENT), lease(SIBLING, "TRIM_HORIZON", 1).parents(PARENT));
        stream(CHILD, PARENT, SIBLING, PARENT);

        KclImportPlan plan = importer(Duration.ZERO, false).plan(ORDERS).block();

        assertThat(plan.shards().get(PARENT).position()).isEqualTo(Position.FINISHED);
        assertThat(plan.shards().get(PARENT).reason()).contains("its child " + CHILD + " has one");
        assertThat(plan.shards().get(CHILD).position()).isEqualTo(Position.AFTER_SEQUENCE_NUMBER);
        assertThat(plan.shards().get(SIBLING).position()).isEqualTo(Position.FROM_BEGINNING);
        assertThat(plan.checkpoints()).containsExactlyInAnyOrder(ShardCheckpoint.ended(PARENT, null),
                ShardCheckpoint.at(CHILD, SEQ_150));
    }

    @Test
    void plan_sentinelsWithoutParent_areNotStarted() {
        table(lease(PARENT, "LATEST", 1), lease(SIBLING, "AT_TIMESTAMP", 1));
        stream(PARENT, null, SIBLING, null);

        KclImportPlan plan = importer(Duration.ZERO, false).plan(ORDERS).block();

        assertThat(plan.shards().values()).extracting(ShardResume::position)
                .containsOnly(Position.NOT_STARTED);
        assertThat(plan.checkpoints()).isEmpty();
    }

    @Test
    void plan_multiStreamTable_importsOnlyTheLeasesOfTheStream() {
        String orders = "123456789012:us-east-1$123456789012$Orders$2024-01-01T00_00_00.000:1";
        String other = "123456789012:us-east-1$123456789012$Invoices$2024-01-01T00_00_00.000:1";
        table(lease(orders + ":" + PARENT, "SHARD_END", 4).multiStream(orders, PARENT),
                lease(orders + ":" + CHILD, SEQ_150, 4).multiStream(orders, CHILD).parents(PARENT),
                lease(other + ":" + SIBLING, "000000000000000000999", 4).multiStream(other, SIBLING));
        stream(PARENT, null, CHILD, PARENT);

        KclImportPlan plan = importer(Duration.ZERO, false).plan(ORDERS).block();

        assertThat(plan.shards()).containsOnlyKeys(PARENT, CHILD);
        assertThat(plan.checkpoints()).containsExactlyInAnyOrder(ShardCheckpoint.ended(PARENT, null),
                ShardCheckpoint.at(CHILD, SEQ_150));
    }

    @Test
    void plan_multiStreamKeysWithoutStreamNameAttribute_areParsedFromTheLeaseKey() {
        String orders = "123456789012:us-east-1$123456789012$Orders$2024-01-01T00_00_00.000:1";
        table(lease(orders + ":" + CHILD, SEQ_150, 4).parents(orders + ":" + PARENT));
        stream(CHILD, PARENT);

        KclImportPlan plan = importer(Duration.ZERO, false).plan(ORDERS).block();

        assertThat(plan.checkpoints()).containsExactlyInAnyOrder(ShardCheckpoint.ended(PARENT, null),
                ShardCheckpoint.at(CHILD, SEQ_150));
    }

    @Test
    void plan_kcl35SingleTable_readsOnlyLeaseRows() {
        Map<String, AttributeValue> worker = new HashMap<>();
        worker.put("entityType", AttributeValue.fromS("WORKER_METRICS"));
        worker.put("wid", AttributeValue.fromS("worker-1"));
        table(lease(CHILD, SEQ_150, 2).entityType("LEASE").parents(PARENT), new Item(worker));
        stream(PARENT, null, CHILD, PARENT);

        KclImportPlan plan = importer(Duration.ZERO, false).plan(ORDERS).block();

        assertThat(plan.checkpoints()).containsExactlyInAnyOrder(ShardCheckpoint.ended(PARENT, null),
                ShardCheckpoint.at(CHILD, SEQ_150));
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void plan_invalidCheckpoint_failsNamingTheLease() {
        table(lease(CHILD, "not-a-number", 1));

        StepVerifier.create(importer(Duration.ZERO, false).plan(ORDERS))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(KclLeaseTableException.class)
                        .hasMessageContaining("lease " + CHILD).hasMessageContaining("'not-a-number'"))
                .verify();
    }

    @Test
    void plan_itemWithoutLeaseKey_failsListingAttributeNamesNotValues() {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS("secret-value"));
        table(new Item(item));

        StepVerifier.create(importer(Duration.ZERO, false).plan(ORDERS))
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("without a string leaseKey")
                        .hasMessageContaining("[pk]").hasMessageNotContaining("secret-value"))
                .verify();
    }

    @Test
    void plan_noLeaseOfTheStream_fails() {
        String other = "123456789012:us-east-1$123456789012$Invoices$2024-01-01T00_00_00.000:1";
        table(lease(other + ":" + CHILD, SEQ_150, 1).multiStream(other, CHILD));

        StepVerifier.create(importer(Duration.ZERO, false).plan(ORDERS))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(KclLeaseTableException.class)
                        .hasMessageContaining("holds no lease of stream " + ORDERS)
                        .hasMessageContaining("1 leases of other streams"))
                .verify();
    }

    // ---------------------------------------------------------------- safety

    @Test
    void plan_whenLeaseCountersMoveWithinTheWindow_refusesAfterTheWindow() {
        table(lease(CHILD, SEQ_150, 41).owner("kcl-worker-7"));
        table(lease(CHILD, SEQ_150, 42).owner("kcl-worker-7"));
        stream(CHILD, null);

        StepVerifier.withVirtualTime(() -> importer(Duration.ofSeconds(20), false).plan(ORDERS), () -> time, 1)
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(20).minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(KclLeaseTableException.class)
                        .hasMessageContaining(CHILD + " (owner kcl-worker-7, leaseCounter 41 → 42)")
                        .hasMessageContaining("the KCL application still runs")
                        .hasMessageContaining("force(true)"))
                .verify();
        assertThat(scanCount).hasValue(2);
    }

    @Test
    void plan_whenCountersStandStill_plansAfterTheWindow() {
        table(lease(CHILD, SEQ_150, 41).owner("kcl-worker-7"));
        stream(CHILD, null);

        StepVerifier.withVirtualTime(() -> importer(Duration.ofSeconds(20), false).plan(ORDERS), () -> time, 1)
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(20))
                .assertNext(plan -> assertThat(plan.checkpoints()).containsExactly(ShardCheckpoint.at(CHILD, SEQ_150)))
                .verifyComplete();
    }

    @Test
    void plan_whenCountersMoveButForced_readsOnceAndPlans() {
        table(lease(CHILD, SEQ_150, 41));
        table(lease(CHILD, SEQ_150, 42));
        stream(CHILD, null);

        KclImportPlan plan = importer(Duration.ofSeconds(20), true).plan(ORDERS).block();

        assertThat(plan.checkpoints()).containsExactly(ShardCheckpoint.at(CHILD, SEQ_150));
        assertThat(scanCount).hasValue(1);
    }

    @Test
    void plan_whenCheckpointHandOffInProgress_refuses() {
        table(lease(CHILD, SEQ_150, 3).owner("kcl-worker-2").checkpointOwner("kcl-worker-1"));
        stream(CHILD, null);

        StepVerifier.create(importer(Duration.ZERO, false).plan(ORDERS))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(KclLeaseTableException.class)
                        .hasMessageContaining("hand-off is in progress for 1 leases, " + CHILD
                                + " (from kcl-worker-1 to kcl-worker-2)"))
                .verify();
    }

    // ---------------------------------------------------------------- apply and seeding

    @Test
    void apply_emptyStore_savesThePlanCheckpoints() {
        table(lease(PARENT, "SHARD_END", 7), lease(CHILD, SEQ_150, 12).parents(PARENT));
        stream(PARENT, null, CHILD, PARENT);
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();

        StepVerifier.create(importer(Duration.ZERO, false).apply(ORDERS, store)).expectNextCount(1).verifyComplete();

        assertThat(store.snapshot(ORDERS)).containsOnly(Map.entry(PARENT, ShardCheckpoint.ended(PARENT, null)),
                Map.entry(CHILD, ShardCheckpoint.at(CHILD, SEQ_150)));
    }

    @Test
    void apply_storeWithCheckpoints_neverImportsAgain() {
        table(lease(CHILD, SEQ_150, 12));
        stream(CHILD, null);
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        ShardCheckpoint ours = ShardCheckpoint.at(CHILD, "000000000000000000900");
        store.save(ORDERS, List.of(ours)).block();

        StepVerifier.create(importer(Duration.ZERO, false).apply(ORDERS, store)).verifyComplete();

        assertThat(store.snapshot(ORDERS)).containsOnly(Map.entry(CHILD, ours));
        assertThat(scanCount).hasValue(0);
    }

    @Test
    void seeding_firstLoadImports_laterLoadsAndSavesGoToTheStore() {
        table(lease(CHILD, SEQ_150, 12));
        stream(CHILD, null);
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        CheckpointStore seeding = importer(Duration.ZERO, false).seeding(store);

        StepVerifier.create(seeding.load(ORDERS))
                .expectNext(Map.of(CHILD, ShardCheckpoint.at(CHILD, SEQ_150)))
                .verifyComplete();
        ShardCheckpoint later = ShardCheckpoint.at(CHILD, "000000000000000000200");
        seeding.save(ORDERS, List.of(later)).block();

        StepVerifier.create(seeding.load(ORDERS)).expectNext(Map.of(CHILD, later)).verifyComplete();
        assertThat(scanCount).hasValue(1);
    }

    @Test
    void seeding_whenImportRefused_failsTheLoadAndWritesNothing() {
        table(lease(CHILD, "SHARD_END", 3).checkpointOwner("kcl-worker-1"));
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();

        StepVerifier.create(importer(Duration.ZERO, false).seeding(store).load(ORDERS))
                .expectError(KclLeaseTableException.class)
                .verify();
        assertThat(store.snapshot(ORDERS)).isEmpty();
    }

    // ---------------------------------------------------------------- a crash, several starts

    /**
     * A crash between the import's writes (here after two of three) left a partial import. The next start completes
     * it, and keeps what a receiver on the store committed since (CHILD moved on from the KCL's 150 to 200).
     */
    @Test
    void seeding_afterACrashBetweenTheImportsWrites_nextStartCompletesTheImport() {
        table(lease(PARENT, "SHARD_END", 7), lease(CHILD, SEQ_150, 12).parents(PARENT),
                lease(SIBLING, "000000000000000000160", 9).parents(PARENT));
        stream(PARENT, null, CHILD, PARENT, SIBLING, PARENT);
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();

        StepVerifier.create(importer(Duration.ZERO, false).seeding(crashingAfter(2, store)).load(ORDERS))
                .expectErrorMessage("crashed after 2 writes")
                .verify();
        assertThat(store.snapshot(ORDERS)).as("the partial import").containsOnlyKeys(PARENT, CHILD);
        ShardCheckpoint movedOn = ShardCheckpoint.at(CHILD, "000000000000000000200");
        store.save(ORDERS, List.of(movedOn)).block();

        StepVerifier.create(importer(Duration.ZERO, false).seeding(store).load(ORDERS))
                .expectNext(Map.of(PARENT, ShardCheckpoint.ended(PARENT, null), CHILD, movedOn,
                        SIBLING, ShardCheckpoint.at(SIBLING, "000000000000000000160")))
                .verifyComplete();
        assertThat(scanCount).as("the second start imported again").hasValue(2);
    }

    /** Once complete, an import is never planned again, even when it wrote no checkpoint (nothing was started). */
    @Test
    void seeding_afterACompletedImport_neverReadsTheKclTableAgain() {
        table(lease(PARENT, "LATEST", 1), lease(SIBLING, "TRIM_HORIZON", 1));
        stream(PARENT, null, SIBLING, null);
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        CheckpointStore seeding = importer(Duration.ZERO, false).seeding(store);
        StepVerifier.create(seeding.load(ORDERS)).expectNext(Map.of()).verifyComplete();

        StepVerifier.create(seeding.load(ORDERS)).expectNext(Map.of()).verifyComplete();
        StepVerifier.create(importer(Duration.ZERO, false).apply(ORDERS, store)).verifyComplete();

        assertThat(scanCount).as("the KCL lease table was read by the first start only").hasValue(1);
    }

    /**
     * Receiver b starts on a shared store just as receiver a begins importing: b finds no marker, then a marks its
     * import started and writes its first checkpoint (and dies), then b finds a checkpoint of the stream. b must not
     * take the store for one read without an import (it would start SIBLING and CHILD at the start position): it
     * completes the import.
     */
    @Test
    void seeding_receiverStartingWhileAnotherImports_completesTheImport() {
        table(lease(PARENT, "SHARD_END", 7), lease(CHILD, SEQ_150, 12).parents(PARENT),
                lease(SIBLING, "000000000000000000160", 9).parents(PARENT));
        stream(PARENT, null, CHILD, PARENT, SIBLING, PARENT);
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        Mono<Map<String, ShardCheckpoint>> receiverA = importer(Duration.ZERO, false).seeding(crashingAfter(1, store))
                .load(ORDERS).onErrorResume(crash -> Mono.empty());
        AtomicInteger markerReads = new AtomicInteger();
        CheckpointStore seenByB = new CheckpointStore() {
            @Override
            public Mono<Map<String, ShardCheckpoint>> load(String key) {
                Mono<Map<String, ShardCheckpoint>> read = store.load(key);
                // a's import runs right after b's first read of the marker
                return key.equals(KclLeaseTableImport.progressKey(ORDERS)) && markerReads.getAndIncrement() == 0
                        ? read.flatMap(marker -> receiverA.thenReturn(marker)) : read;
            }

            @Override
            public Mono<Void> save(String streamArn, Collection<ShardCheckpoint> checkpoints) {
                return store.save(streamArn, checkpoints);
            }
        };

        StepVerifier.create(importer(Duration.ZERO, false).seeding(seenByB).load(ORDERS))
                .expectNext(Map.of(PARENT, ShardCheckpoint.ended(PARENT, null), CHILD, ShardCheckpoint.at(CHILD, SEQ_150),
                        SIBLING, ShardCheckpoint.at(SIBLING, "000000000000000000160")))
                .verifyComplete();
    }

    /** A store whose save writes one checkpoint at a time, as DynamoDB does, and whose process dies after n. */
    private static CheckpointStore crashingAfter(int n, CheckpointStore store) {
        AtomicInteger written = new AtomicInteger();
        return new CheckpointStore() {
            @Override
            public Mono<Map<String, ShardCheckpoint>> load(String streamArn) {
                return store.load(streamArn);
            }

            @Override
            public Mono<Void> save(String streamArn, Collection<ShardCheckpoint> checkpoints) {
                if (!streamArn.equals(ORDERS)) {
                    return store.save(streamArn, checkpoints);
                }
                return Flux.fromIterable(checkpoints)
                        .concatMap(checkpoint -> written.getAndIncrement() < n
                                ? store.save(streamArn, List.of(checkpoint))
                                : Mono.error(new IllegalStateException("crashed after " + n + " writes")))
                        .then();
            }
        };
    }

    @Test
    void shardLister_followsEveryDescribeStreamPage() {
        FakeDynamoDbStreams fake = FakeDynamoDbStreams.create(ORDERS).describeStreamPageSize(2)
                .addShard(GRANDPARENT).closeShard(GRANDPARENT)
                .addShard(PARENT, GRANDPARENT).closeShard(PARENT)
                .addShard(CHILD, PARENT).addShard(SIBLING, PARENT).addShard(NEWER, CHILD);

        Map<String, String> shards = KclLeaseTableImport.shardLister(fake).shards(ORDERS).block();

        stream(GRANDPARENT, null, PARENT, GRANDPARENT, CHILD, PARENT, SIBLING, PARENT, NEWER, CHILD);
        assertThat(shards).containsExactlyEntriesOf(streamShards);
        assertThat(fake.count(FakeDynamoDbStreams.Operation.DESCRIBE_STREAM)).isEqualTo(3);
    }

    /**
     * A migration lists the whole stream once; a stream with 24 h of closed shards has thousands (100 per page), and
     * DescribeStream allows 10 calls/s shared by every reader of the stream: pages sent back to back were throttled
     * from the eleventh within a second (each retried attempt one more call, and a user's client may give up). The
     * pages go 200 ms apart, as the receiver's listings. Failed before: 30 pages within the same instant.
     */
    @Test
    void shardLister_spacesTheDescribeStreamPages() {
        FakeDynamoDbStreams fake = FakeDynamoDbStreams.create(ORDERS).describeStreamPageSize(10);
        for (int i = 0; i < 300; i++) {
            fake.addShard(String.format("shardId-%04d", i));
        }
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.getOrSet();
        try {
            fake.latency(Duration.ofMillis(10), scheduler);

            StepVerifier.withVirtualTime(() -> KclLeaseTableImport.shardLister(fake).shards(ORDERS))
                    .thenAwait(Duration.ofMinutes(1))
                    .assertNext(shards -> assertThat(shards).hasSize(300))
                    .verifyComplete();

            List<Long> at = fake.calls().stream()
                    .filter(c -> c.operation() == FakeDynamoDbStreams.Operation.DESCRIBE_STREAM)
                    .map(c -> c.at().toEpochMilli()).sorted().toList();
            assertThat(at).hasSize(30);
            for (int i = 1; i < at.size(); i++) {
                assertThat(at.get(i) - at.get(i - 1)).as("gap before page %d", i + 1).isGreaterThanOrEqualTo(200);
            }
        } finally {
            VirtualTimeScheduler.reset();
        }
    }

    // ---------------------------------------------------------------- options

    @Test
    void options_missingOrInvalid_areNamed() {
        KclImportOptions valid = KclImportOptions.builder().client(dynamoDb)
                .streamsClient(streams).leaseTableName("orders-indexer").build();
        assertThat(valid.observationWindow()).isEqualTo(KclImportOptions.DEFAULT_OBSERVATION_WINDOW);
        assertThatThrownBy(() -> valid.toBuilder().leaseTableName(null).build()).hasMessage("leaseTableName");
        assertThatThrownBy(() -> valid.toBuilder().observationWindow(Duration.ofSeconds(-1)).build())
                .hasMessageContaining("observationWindow must not be negative");
        assertThatThrownBy(() -> importer(Duration.ZERO, false).plan("Orders"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a DynamoDB stream ARN");
    }

    // ---------------------------------------------------------------- helpers

    private KclLeaseTableImport importer(Duration window, boolean force) {
        KclImportOptions options = KclImportOptions.builder().client(dynamoDb)
                .streamsClient(streams).leaseTableName("orders-indexer")
                .observationWindow(window).force(force).scheduler(time).build();
        return new KclLeaseTableImport(options, () -> Mono.fromSupplier(() -> {
            int scan = scanCount.getAndIncrement();
            return scans.get(Math.min(scan, scans.size() - 1));
        }), arn -> Mono.just(streamShards));
    }

    /** The table as the next scan returns it (the last one is returned to every later scan). */
    private void table(Item... items) {
        List<Map<String, AttributeValue>> scan = new ArrayList<>();
        for (Item item : items) {
            scan.add(item.attributes);
        }
        scans.add(scan);
    }

    /** Shard id, parent id pairs, in DescribeStream order. */
    private void stream(String... shardAndParent) {
        for (int i = 0; i < shardAndParent.length; i += 2) {
            streamShards.put(shardAndParent[i], shardAndParent[i + 1]);
        }
    }

    private static Item lease(String leaseKey, String checkpoint, long counter) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("leaseKey", AttributeValue.fromS(leaseKey));
        item.put("checkpoint", AttributeValue.fromS(checkpoint));
        item.put("checkpointSubSequenceNumber", AttributeValue.fromN("0"));
        item.put("leaseCounter", AttributeValue.fromN(Long.toString(counter)));
        item.put("ownerSwitchesSinceCheckpoint", AttributeValue.fromN("0"));
        return new Item(item);
    }

    /** A lease item written the way the KCL writes it. */
    private record Item(Map<String, AttributeValue> attributes) {

        Item parents(String... parents) {
            attributes.put("parentShardId", AttributeValue.fromSs(List.of(parents)));
            return this;
        }

        Item owner(String owner) {
            attributes.put("leaseOwner", AttributeValue.fromS(owner));
            return this;
        }

        Item pending(String sequenceNumber) {
            attributes.put("pendingCheckpoint", AttributeValue.fromS(sequenceNumber));
            return this;
        }

        Item checkpointOwner(String owner) {
            attributes.put("checkpointOwner", AttributeValue.fromS(owner));
            return this;
        }

        Item multiStream(String streamIdentifier, String shardId) {
            attributes.put("streamName", AttributeValue.fromS(streamIdentifier));
            attributes.put("shardId", AttributeValue.fromS(shardId));
            return this;
        }

        Item entityType(String type) {
            attributes.put("entityType", AttributeValue.fromS(type));
            return this;
        }
    }
}
