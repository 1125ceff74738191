package io.github.ddbstreams.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * Several workers sharing a stream: the lease table on a real DynamoDB Local, the shards from a scripted fake
 * with 64 shards and split lineage (DynamoDB Local keeps one shard per stream).
 */
class LeaseWorkersIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(LeaseWorkersIntegrationTest.class);
    private static final Duration FAILOVER = Duration.ofSeconds(3);
    private static final Duration TAKE = Duration.ofMillis(500);

    private static EmbeddedDynamoDb dynamoDb;

    private final FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();
    private final String leaseTable = "leases-" + System.nanoTime();
    private final Map<String, Worker> workers = new ConcurrentHashMap<>();
    /** Deliveries: worker, shard, sequence number, in delivery order. */
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();

    private record Delivery(String worker, String shardId, String sequenceNumber) {
    }

    private final class Worker {
        final String id;
        final Killable killable = new Killable();
        final DynamoDbAsyncClient leaseClient;
        final Disposable subscription;

        Worker(String id) {
            this.id = id;
            this.leaseClient = killable.wrap(DynamoDbAsyncClient.class, dynamoDb.newDynamoDbAsyncClient());
            DynamoDbStreamsAsyncClient streams = killable.wrap(DynamoDbStreamsAsyncClient.class, fake.clientFor(id));
            DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                    .streamsClient(streams)
                    .streamArn(fake.streamArn())
                    .pollInterval(Duration.ofMillis(50))
                    .commitInterval(Duration.ofMillis(500))
                    .shardDiscoveryInterval(Duration.ofSeconds(2))
                    .leases(LeaseOptions.builder()
                            .client(leaseClient)
                            .tableName(leaseTable)
                            .workerId(id)
                            .failoverTime(FAILOVER)
                            .renewInterval(Duration.ofSeconds(1))
                            .takeInterval(TAKE)
                            .build())
                    .build());
            this.subscription = receiver.receive()
                    .subscribe(record -> {
                        if (!killable.isKilled()) { // a dead process delivers nothing more
                            deliveries.add(new Delivery(id, record.shardId(), record.sequenceNumber()));
                            record.checkpoint().acknowledge();
                        }
                    }, error -> log.error("Worker {} failed", id, error));
        }

        void stop() {
            subscription.dispose();
        }
    }

    @BeforeAll
    static void startDynamoDb() {
        dynamoDb = EmbeddedDynamoDb.start();
    }

    @AfterAll
    static void stopDynamoDb() {
        dynamoDb.close();
    }

    @AfterEach
    void stopWorkers() {
        workers.values().forEach(Worker::stop);
        workers.values().forEach(w -> w.leaseClient.close());
    }

    private Worker start(String id) {
        Worker worker = new Worker(id);
        workers.put(id, worker);
        return worker;
    }

    /** Lease owners as the table says: owner → shards. */
    private Map<String, Set<String>> owners() {
        Map<String, Set<String>> owners = new HashMap<>();
        dynamoDb.syncClient().queryPaginator(q -> q.tableName(leaseTable)
                        .keyConditionExpression("streamArn = :arn")
                        .expressionAttributeValues(Map.of(":arn", AttributeValue.fromS(fake.streamArn()))))
                .items().forEach(item -> {
                    AttributeValue owner = item.get("leaseOwner");
                    if (owner != null) {
                        owners.computeIfAbsent(owner.s(), k -> new HashSet<>()).add(item.get("shardId").s());
                    }
                });
        return owners;
    }

    private boolean balanced(int perWorker, String... ids) {
        Map<String, Set<String>> owners = owners();
        if (!owners.keySet().equals(Set.of(ids))) {
            return false;
        }
        return owners.values().stream().allMatch(shards -> shards.size() == perWorker);
    }

    @Test
    void workersShareShardsEvenly_failOver_rebalance_andNeverReadTheSameShardTogether() {
        // 16 open roots, 16 closed parents each split into 2 open children: 64 shards
        Map<String, List<String>> written = new HashMap<>();
        for (int i = 0; i < 16; i++) {
            String root = String.format("root-%02d", i);
            fake.addShard(root);
            written.put(root, new ArrayList<>(fake.putRecords(root, 40)));
            String parent = String.format("parent-%02d", i);
            fake.addShard(parent);
            written.put(parent, new ArrayList<>(fake.putRecords(parent, 40)));
            fake.closeShard(parent);
            for (String side : List.of("a", "b")) {
                String child = String.format("child-%02d%s", i, side);
                fake.addShard(child, parent);
                written.put(child, new ArrayList<>(fake.putRecords(child, 20)));
            }
        }
        List<String> openShards = written.keySet().stream().filter(s -> !s.startsWith("parent")).sorted().toList();
        assertThat(written).hasSize(64);

        // three workers: 48 readable shards once the parents ended, 16 each
        start("w1");
        start("w2");
        start("w3");
        Instant t0 = Instant.now();
        await().ignoreExceptions().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> balanced(16, "w1", "w2", "w3"));
        log.info("3 workers balanced 16/16/16 after {} ms", Duration.between(t0, Instant.now()).toMillis());

        // a fourth worker gets its share by hand-off: 12 each
        Instant t1 = Instant.now();
        start("w4");
        await().ignoreExceptions().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> balanced(12, "w1", "w2", "w3", "w4"));
        Duration rebalance = Duration.between(t1, Instant.now());
        log.info("4th worker got its share (12) after {} ms", rebalance.toMillis());

        // kill w2 abruptly: no commit, no release; its shards go to the others after the failover time
        Instant killedAt = Instant.now();
        workers.get("w2").killable.kill();
        await().ignoreExceptions().atMost(FAILOVER.plusSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> !owners().containsKey("w2"));
        Duration takeover = Duration.between(killedAt, Instant.now());
        log.info("Shards of the killed worker taken over after {} ms (failoverTime {} ms)", takeover.toMillis(), FAILOVER.toMillis());
        // expiry is observed on the take cycle after failoverTime; allow a cycle and CI noise
        assertThat(takeover).isLessThanOrEqualTo(FAILOVER.plus(TAKE).plusSeconds(2));
        await().ignoreExceptions().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> balanced(16, "w1", "w3", "w4"));

        // more changes after the failover: everything is delivered
        for (String shard : openShards) {
            written.get(shard).addAll(fake.putRecords(shard, 10));
        }
        await().ignoreExceptions().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Set<String> delivered = deliveries.stream().map(Delivery::sequenceNumber).collect(Collectors.toSet());
            for (List<String> shard : written.values()) {
                assertThat(delivered).containsAll(shard);
            }
        });

        // per worker and shard, records arrive in shard order (a new owner may repeat uncommitted ones)
        Map<String, String> lastByWorkerShard = new HashMap<>();
        for (Delivery delivery : deliveries) {
            String key = delivery.worker() + "/" + delivery.shardId();
            String previous = lastByWorkerShard.put(key, delivery.sequenceNumber());
            if (previous != null) {
                assertThat(SequenceNumbers.compare(delivery.sequenceNumber(), previous))
                        .as("order of %s", key).isPositive();
            }
        }
        // children only after their parent: a child's first delivery follows its parent's last one
        Map<String, Integer> firstIndex = new HashMap<>();
        Map<String, Integer> lastIndex = new HashMap<>();
        for (int i = 0; i < deliveries.size(); i++) {
            firstIndex.putIfAbsent(deliveries.get(i).shardId(), i);
            lastIndex.put(deliveries.get(i).shardId(), i);
        }
        for (int i = 0; i < 16; i++) {
            String parent = String.format("parent-%02d", i);
            for (String side : List.of("a", "b")) {
                assertThat(firstIndex.get(String.format("child-%02d%s", i, side))).isGreaterThan(lastIndex.get(parent));
            }
        }

        assertExclusiveReading();
        long duplicates = deliveries.size() - deliveries.stream().map(Delivery::sequenceNumber).distinct().count();
        log.info("Delivered {} records ({} repeated after failover/hand-off) of {} written", deliveries.size(), duplicates,
                written.values().stream().mapToInt(List::size).sum());
    }

    /**
     * From the fake's call log: once a worker starts a stint on a shard (its GetShardIterator), no other worker
     * calls GetRecords on that shard within a stint that began earlier.
     */
    private void assertExclusiveReading() {
        Map<String, List<FakeDynamoDbStreams.Call>> byShard = fake.calls().stream()
                .filter(c -> c.caller() != null && c.shardId() != null && !c.failed())
                .collect(Collectors.groupingBy(FakeDynamoDbStreams.Call::shardId));
        int stints = 0;
        for (Map.Entry<String, List<FakeDynamoDbStreams.Call>> shard : byShard.entrySet()) {
            Map<String, Instant> stintStart = new HashMap<>();
            Instant latestStint = Instant.MIN;
            String latestOwner = null;
            for (FakeDynamoDbStreams.Call call : shard.getValue()) {
                if (call.request() instanceof GetShardIteratorRequest) {
                    stintStart.put(call.caller(), call.at());
                    if (!call.at().isBefore(latestStint)) {
                        latestStint = call.at();
                        latestOwner = call.caller();
                    }
                    stints++;
                } else if (latestOwner != null && !call.caller().equals(latestOwner)) {
                    Instant mine = stintStart.get(call.caller());
                    assertThat(mine).as("worker %s read shard %s at %s during %s's stint begun at %s",
                            call.caller(), shard.getKey(), call.at(), latestOwner, latestStint)
                            .isAfter(latestStint);
                }
            }
        }
        log.info("{} reading stints checked for exclusivity", stints);
    }

    @Test
    void twoWorkersOnTheRealDynamoDbLocalStream_oneStoppedHalfWay_deliverEverythingInOrderPerKey() {
        String table = "Leased" + System.nanoTime() % 100000;
        dynamoDb.createTableWithStream(table, software.amazon.awssdk.services.dynamodb.model.StreamViewType.NEW_AND_OLD_IMAGES);
        Map<String, List<ChangeRecord>> received = new ConcurrentHashMap<>();
        List<ChangeRecord> all = new CopyOnWriteArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Map<String, Disposable> running = new ConcurrentHashMap<>();
        for (String id : List.of("a", "b")) {
            DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                    .streamsClient(dynamoDb.streamsAsyncClient())
                    .dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                    .tableName(table)
                    .pollInterval(Duration.ofMillis(20))
                    .commitInterval(Duration.ofMillis(500))
                    .leases(LeaseOptions.builder().client(dynamoDb.dynamoDbAsyncClient()).tableName(leaseTable)
                            .workerId(id).failoverTime(FAILOVER).takeInterval(TAKE).build())
                    .build());
            running.put(id, receiver.receive().subscribe(record -> {
                received.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(record);
                all.add(record);
                record.checkpoint().acknowledge();
            }, error -> {
                log.error("Worker {} failed", id, error);
                failures.add(error);
            }));
        }
        DynamoDbAsyncClient client = dynamoDb.dynamoDbAsyncClient();
        Map<String, List<Integer>> writtenPerKey = new ConcurrentHashMap<>();
        reactor.core.publisher.Flux.range(0, 500)
                .flatMap(k -> reactor.core.publisher.Flux.range(0, 20).concatMap(v -> {
                    writtenPerKey.computeIfAbsent("k" + k, x -> new CopyOnWriteArrayList<>()).add(v);
                    return reactor.core.publisher.Mono.fromFuture(() -> client.putItem(p -> p.tableName(table).item(Map.of(
                            "pk", AttributeValue.fromS("k" + k), "v", AttributeValue.fromN(Integer.toString(v))))));
                }), 16)
                .doOnNext(r -> {
                    // half-way: stop whichever worker reads the single shard, gracefully
                    if (all.size() >= 5_000 && running.size() == 2) {
                        String reader = received.containsKey("a") ? "a" : "b";
                        Disposable stopped = running.remove(reader);
                        if (stopped != null) {
                            log.info("Stopping worker {} after {} records", reader, all.size());
                            stopped.dispose();
                        }
                    }
                })
                .blockLast(Duration.ofMinutes(3));
        await().ignoreExceptions().atMost(Duration.ofMinutes(1))
                .failFast("a worker's receiver ended with an error", () -> !failures.isEmpty())
                .until(() -> all.stream().map(ChangeRecord::sequenceNumber).distinct().count() >= 10_000);
        assertThat(running).hasSize(1);
        assertThat(received).containsKeys("a", "b");

        // per key, first deliveries in write order (a repeat after the hand-over keeps its first place)
        Map<String, List<Integer>> perKey = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (ChangeRecord record : all) {
            if (seen.add(record.sequenceNumber())) {
                perKey.computeIfAbsent(record.keys().get("pk").s(), k -> new ArrayList<>())
                        .add(Integer.parseInt(record.newImage().get("v").n()));
            }
        }
        assertThat(perKey).isEqualTo(writtenPerKey);
        running.values().forEach(Disposable::dispose);
        log.info("2 workers: {} deliveries for 10000 changes ({} by a, {} by b)", all.size(),
                received.get("a").size(), received.get("b").size());
    }
}
