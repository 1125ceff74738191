package io.github.ddbstreams.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.JavaProcess;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Three worker JVMs ({@link VersionedSinkWorkerMain}) share one real DynamoDB Local stream through a lease table on
 * the same server, with a short {@code failoverTime} (6 s), while this JVM writes versions 1..8 of 200 keys (1,600
 * changes, in rounds of one version of every key; the shard rolls over into a child after round 6 and the faults).
 * DynamoDB Local has one open shard per stream, so one worker reads at a time: the test kills that worker with
 * {@code SIGKILL} after 2 rounds (no final commit, no release), freezes the next owner with {@code SIGSTOP} after 4
 * rounds until the third worker has taken its lease and for longer than {@code failoverTime}, then resumes it with
 * {@code SIGCONT}: a zombie that still holds records in flight and believes it owns the shard until its next lease
 * write tells it otherwise.
 *
 * <p>What it proves, on real processes, real sockets and the real lease table:
 * <ul>
 *   <li><b>Nothing lost</b>: every change written (each key's every version) reached the sink at least once, as an
 *       applied or a refused write, and every key ends at its final version. This is the library's at-least-once
 *       promise across a crash and a pause: each new owner resumes after the last checkpoint.</li>
 *   <li><b>Per-key order at the sink</b>: the applied writes, in the exact order the sink applied them (a per-key
 *       counter written in the same transaction), show each key's versions strictly increasing. This is the
 *       versioned sink's doing: it refuses every write not newer than what it holds. The library alone does not
 *       promise it across owners (a new owner replays from the last checkpoint; a resumed zombie still processes
 *       what it held), so the test logs the refused writes by worker and what the zombie wrote after
 *       {@code SIGCONT}: without such a sink, each of them could have moved a key back.</li>
 *   <li><b>Failover across processes</b>: a killed and a frozen owner each lose the lease to another live worker,
 *       as the lease table shows, and both surviving workers are still running at the end.</li>
 *   <li><b>Parent before child across processes</b>: for every key, the first write of each change of the parent
 *       shard comes before the first write of a change of the child shard.</li>
 * </ul>
 * It does not bound how long a zombie goes on writing (records it held when frozen are processed after it resumes;
 * see the logged numbers). Worker logs are in {@code target/multi-process-lease/<run>/}; the child JVMs are killed
 * in every case, before the server stops.
 */
class MultiProcessLeaseIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(MultiProcessLeaseIntegrationTest.class);
    private static final Duration FAILOVER = Duration.ofSeconds(6);
    private static final int KEYS = 200;
    private static final int VERSIONS = 8;
    private static final int CHANGES = KEYS * VERSIONS;
    private static final Duration ROUND_PAUSE = Duration.ofSeconds(1);
    /** After this round the shard rolls over: versions 7 and 8 are in its child. */
    private static final int ROLLOVER_AFTER = 6;

    private final String run = "run-" + System.currentTimeMillis();
    private final Path logs = Path.of("target", "multi-process-lease", run);
    private final String source = "MpSource";
    private final String leases = "mp-leases";
    private final String sink = "MpSink";
    private final String writeLog = "MpSinkLog";

    /** One row of the sink's log: an applied write (with its place in the key's order) or a refused one. */
    private record Attempt(String key, String sortKey, long version, String worker, Instant at, String shardId) {

        boolean applied() {
            return sortKey.startsWith("A");
        }
    }

    @Test
    void threeWorkerJvms_ownerKilledThenNextOwnerFrozenPastFailover_sinkGetsEveryVersionInOrderPerKey() {
        List<JavaProcess> workers = new ArrayList<>();
        Disposable writer = null;
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start()) {
            try {
                dynamoDb.createTableWithStream(source, StreamViewType.NEW_IMAGE);
                dynamoDb.createTable(table(sink, false));
                dynamoDb.createTable(table(writeLog, true));
                Map<String, JavaProcess> byId = new HashMap<>();
                for (String id : List.of("w1", "w2", "w3")) {
                    JavaProcess worker = JavaProcess.start(id,
                            List.of("-Xmx192m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                            VersionedSinkWorkerMain.class.getName(), List.of(dynamoDb.endpoint().toString(), id,
                                    source, leases, sink, writeLog, Long.toString(FAILOVER.toMillis())),
                            logs.resolve(id + ".log"));
                    workers.add(worker);
                    byId.put(id, worker);
                }
                Instant writeStart = Instant.now();
                log.info("Started workers {} (logs in {})", workers, logs.toAbsolutePath());

                // rounds of versions 1..VERSIONS, a pause after each, so that every key changes during every phase;
                // one write per key in a round, so that a key's writes never race
                DynamoDbAsyncClient client = dynamoDb.dynamoDbAsyncClient();
                AtomicInteger written = new AtomicInteger();
                Map<Integer, Instant> roundStarts = new ConcurrentHashMap<>();
                CompletableFuture<Void> faultsDone = new CompletableFuture<>();
                writer = Flux.range(1, VERSIONS)
                        .concatMap(version -> Mono.fromRunnable(() -> roundStarts.put(version, Instant.now()))
                                .thenMany(Flux.range(0, KEYS).flatMap(k -> Mono.fromFuture(() -> client.putItem(b -> b
                                        .tableName(source).item(Map.of("pk", AttributeValue.fromS(key(k)),
                                                "v", AttributeValue.fromN(Integer.toString(version))))))
                                        .doOnSuccess(done -> written.incrementAndGet()), 8))
                                // the last rounds go to a child shard, whose parent must be read (and acknowledged)
                                // first; the rollover waits for the kill and the freeze, so both hit the parent
                                .then(version != ROLLOVER_AFTER ? Mono.<Void>empty()
                                        : Mono.fromFuture(faultsDone).then(Mono.fromRunnable(() -> {
                                            dynamoDb.triggerShardRollover();
                                            log.info("Rolled the shard over after round {}", version);
                                        })))
                                .then(Mono.delay(ROUND_PAUSE)))
                        .subscribe(null, error -> log.error("Writer failed", error));

                // while the workers start, the stream keeps the changes (they read from TRIM_HORIZON)
                await("a worker owns the shard's lease and applied changes").atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> owner(dynamoDb).isPresent() && finalVersions(dynamoDb).size() >= KEYS / 2);
                log.info("{} owns the lease and applied changes {} ms after the workers started",
                        owner(dynamoDb).orElseThrow(), Duration.between(writeStart, Instant.now()).toMillis());

                // SIGKILL the owner after 2 rounds
                await().atMost(Duration.ofSeconds(60)).until(() -> written.get() >= 2 * KEYS);
                String killed = owner(dynamoDb).orElseThrow();
                byId.get(killed).kill();
                Instant killedAt = Instant.now();
                log.info("Killed owner {} (SIGKILL) after {} changes written", killed, written.get());
                String second = awaitNewOwner(dynamoDb, killed);
                log.info("{} took the lease {} ms after the kill", second,
                        Duration.between(killedAt, Instant.now()).toMillis());

                // SIGSTOP the next owner after 4 rounds, past failoverTime and until the third worker took its lease
                await().atMost(Duration.ofSeconds(60)).until(() -> written.get() >= 4 * KEYS);
                String zombie = owner(dynamoDb).orElseThrow(); // the worker that took over from the killed one
                JavaProcess frozen = byId.get(zombie);
                frozen.freeze();
                Instant frozenAt = Instant.now();
                log.info("Froze owner {} (SIGSTOP) after {} changes written", zombie, written.get());
                String third = awaitNewOwner(dynamoDb, zombie);
                Duration takenAfter = Duration.between(frozenAt, Instant.now());
                // the take may come before failoverTime has passed since the freeze (expiry counts from the last
                // renewal the others saw); stay frozen past it anyway, as a long pause would
                await().atMost(FAILOVER.plusSeconds(5)).pollInterval(Duration.ofMillis(100))
                        .until(() -> Duration.between(frozenAt, Instant.now()).compareTo(FAILOVER.plusSeconds(1)) > 0);
                Instant resumedAt = Instant.now(); // before SIGCONT: each write of the frozen worker after it is a zombie's
                frozen.resume();
                faultsDone.complete(null);
                log.info("{} took the lease {} ms after the freeze; resumed {} (SIGCONT) after {} ms", third,
                        takenAfter.toMillis(), zombie, Duration.between(frozenAt, resumedAt).toMillis());
                assertThat(zombie).as("the frozen worker").isNotEqualTo(killed);
                assertThat(third).as("the third worker takes over").isNotIn(killed, zombie);

                await("the writer").atMost(Duration.ofSeconds(90)).until(() -> written.get() == CHANGES);
                Instant writerDone = Instant.now();
                await("every key at its final version in the sink").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertThat(finalVersions(dynamoDb))
                                .as("keys at version %d in the sink", VERSIONS).hasSize(KEYS)
                                .allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo(VERSIONS)));
                log.info("Writer done {} ms after its start; the sink held every final version {} ms after its start",
                        Duration.between(writeStart, writerDone).toMillis(),
                        Duration.between(writeStart, Instant.now()).toMillis());

                Map<String, List<Attempt>> attempts = attempts(dynamoDb);
                assertEveryVersionReachedTheSink(attempts);
                assertAppliedInOrderPerKey(attempts);
                assertChildShardAfterParent(attempts);
                reportStaleWrites(attempts, zombie, frozenAt, resumedAt, roundStarts);
                assertThat(byId.get(third).isAlive()).as("worker %s alive; its log:%n%s", third,
                        byId.get(third).logTail()).isTrue();
                assertThat(frozen.isAlive()).as("resumed worker %s alive; its log:%n%s", zombie,
                        frozen.logTail()).isTrue();
            } finally {
                // before the server stops, so that nothing fails for want of it
                if (writer != null) {
                    writer.dispose();
                }
                workers.forEach(JavaProcess::close);
            }
        }
    }

    /** Nothing lost: every version of every key reached the sink, applied or refused as not newer. */
    private static void assertEveryVersionReachedTheSink(Map<String, List<Attempt>> attempts) {
        List<Long> all = LongStream.rangeClosed(1, VERSIONS).boxed().toList();
        for (int k = 0; k < KEYS; k++) {
            List<Long> reached = attempts.getOrDefault(key(k), List.of()).stream().map(Attempt::version).distinct()
                    .sorted().toList();
            assertThat(reached).as("versions of %s that reached the sink", key(k)).containsExactlyElementsOf(all);
        }
    }

    /**
     * Per-key order at the sink: the applied writes of each key, in the order the sink applied them
     * ({@code A0000000001}, {@code A0000000002}, …, without gaps), have strictly increasing versions.
     */
    private static void assertAppliedInOrderPerKey(Map<String, List<Attempt>> attempts) {
        attempts.forEach((key, rows) -> {
            List<Attempt> applied = rows.stream().filter(Attempt::applied)
                    .sorted(Comparator.comparing(Attempt::sortKey)).toList();
            for (int i = 0; i < applied.size(); i++) {
                assertThat(applied.get(i).sortKey()).as("applied writes of %s numbered without gaps", key)
                        .isEqualTo(String.format("A%010d", i + 1));
                if (i > 0) {
                    assertThat(applied.get(i).version()).as("versions of %s in the order applied: %s", key, applied)
                            .isGreaterThan(applied.get(i - 1).version());
                }
            }
        });
    }

    /**
     * Lineage across processes: the parent shard (versions 1..6) is read before its child (7 and 8), so for every
     * key, each parent version's first write attempt comes before the first attempt of a child version (attempts are
     * stamped with the wall clock, which all processes on this machine share; an attempt precedes its record's
     * acknowledgement, which precedes the end of the parent's lease, which precedes the child's).
     */
    private static void assertChildShardAfterParent(Map<String, List<Attempt>> attempts) {
        List<Attempt> all = attempts.values().stream().flatMap(List::stream).toList();
        Set<String> parent = all.stream().filter(a -> a.version() <= ROLLOVER_AFTER).map(Attempt::shardId)
                .collect(Collectors.toSet());
        Set<String> child = all.stream().filter(a -> a.version() > ROLLOVER_AFTER).map(Attempt::shardId)
                .collect(Collectors.toSet());
        assertThat(parent).as("shards of versions 1..%d", ROLLOVER_AFTER).hasSize(1);
        assertThat(child).as("shards of the versions after the rollover").hasSize(1).doesNotContainAnyElementsOf(parent);
        Duration closest = null;
        for (Map.Entry<String, List<Attempt>> entry : attempts.entrySet()) {
            Map<Long, Instant> firstAttempt = new TreeMap<>();
            entry.getValue().forEach(a -> firstAttempt.merge(a.version(), a.at(), (x, y) -> x.isBefore(y) ? x : y));
            Instant lastParent = firstAttempt.entrySet().stream().filter(e -> e.getKey() <= ROLLOVER_AFTER)
                    .map(Map.Entry::getValue).max(Comparator.naturalOrder()).orElseThrow();
            Instant firstChild = firstAttempt.entrySet().stream().filter(e -> e.getKey() > ROLLOVER_AFTER)
                    .map(Map.Entry::getValue).min(Comparator.naturalOrder()).orElseThrow();
            assertThat(firstChild).as("first write of a child-shard change of %s after every parent change's first;"
                    + " first attempts by version: %s", entry.getKey(), firstAttempt).isAfter(lastParent);
            Duration gap = Duration.between(lastParent, firstChild);
            closest = closest == null || gap.compareTo(closest) < 0 ? gap : closest;
        }
        log.info("Child shard read after its parent: for every key; closest gap {} ms", closest.toMillis());
    }

    /**
     * Logs the writes the sink refused as not newer, by worker, and what the frozen worker wrote of its lost shard
     * after it was resumed: those writes come from records it held when frozen or read before it learned that its
     * lease was taken; the ones of changes written after the freeze were read after it resumed.
     */
    private static void reportStaleWrites(Map<String, List<Attempt>> attempts, String zombie, Instant frozenAt,
            Instant resumedAt, Map<Integer, Instant> roundStarts) {
        // the shard it was frozen on: the rollover comes after the freeze (a lease of the child is legitimately its)
        String frozenShard = attempts.values().stream().flatMap(List::stream).filter(a -> a.version() == 1)
                .map(Attempt::shardId).findFirst().orElseThrow();
        Map<String, Long> refusedBy = new TreeMap<>();
        long zombieRefused = 0;
        long zombieApplied = 0;
        long zombieReadAfterResume = 0;
        Instant zombieLast = resumedAt;
        for (Attempt attempt : attempts.values().stream().flatMap(List::stream).toList()) {
            if (!attempt.applied()) {
                refusedBy.merge(attempt.worker(), 1L, Long::sum);
            }
            if (attempt.worker().equals(zombie) && attempt.shardId().equals(frozenShard)
                    && attempt.at().isAfter(resumedAt)) {
                zombieRefused += attempt.applied() ? 0 : 1;
                zombieApplied += attempt.applied() ? 1 : 0;
                zombieReadAfterResume += roundStarts.get((int) attempt.version()).isAfter(frozenAt) ? 1 : 0;
                zombieLast = attempt.at().isAfter(zombieLast) ? attempt.at() : zombieLast;
            }
        }
        long total = attempts.values().stream().mapToLong(List::size).sum();
        log.info("Multi-process leases: {} changes, {} sink writes ({} applied, refused as not newer by worker {});"
                        + " after SIGCONT the zombie {} made {} applied and {} refused writes of its lost shard's changes,"
                        + " the last {} ms after SIGCONT, {} of them of changes written after SIGSTOP",
                CHANGES, total, total - refusedBy.values().stream().mapToLong(Long::longValue).sum(), refusedBy,
                zombie, zombieApplied, zombieRefused, Duration.between(resumedAt, zombieLast).toMillis(),
                zombieReadAfterResume);
    }

    private static String key(int k) {
        return String.format("key-%03d", k);
    }

    private static CreateTableRequest table(String name, boolean withSortKey) {
        List<AttributeDefinition> attributes = new ArrayList<>(List.of(
                AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build()));
        List<KeySchemaElement> schema = new ArrayList<>(List.of(
                KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build()));
        if (withSortKey) {
            attributes.add(AttributeDefinition.builder().attributeName("sk").attributeType(ScalarAttributeType.S).build());
            schema.add(KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build());
        }
        return CreateTableRequest.builder().tableName(name).attributeDefinitions(attributes).keySchema(schema)
                .billingMode(BillingMode.PAY_PER_REQUEST).build();
    }

    /** The owner of the open shard's lease (the one lease not ended), as the lease table says. */
    private Optional<String> owner(EmbeddedDynamoDb dynamoDb) {
        return dynamoDb.syncClient().scanPaginator(b -> b.tableName(leases).consistentRead(true)).items().stream()
                .filter(item -> !item.containsKey("ended") || !Boolean.TRUE.equals(item.get("ended").bool()))
                .map(item -> item.get("leaseOwner"))
                .filter(owner -> owner != null && owner.s() != null)
                .map(AttributeValue::s)
                .findFirst();
    }

    private String awaitNewOwner(EmbeddedDynamoDb dynamoDb, String previous) {
        return await("another worker takes the lease of " + previous).atMost(FAILOVER.plusSeconds(30))
                .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> owner(dynamoDb).filter(owner -> !owner.equals(previous)).orElse(null),
                        owner -> owner != null);
    }

    private Map<String, Long> finalVersions(EmbeddedDynamoDb dynamoDb) {
        return dynamoDb.syncClient().scanPaginator(b -> b.tableName(sink).consistentRead(true)).items().stream()
                .collect(Collectors.toMap(item -> item.get("pk").s(), item -> Long.parseLong(item.get("v").n())));
    }

    private Map<String, List<Attempt>> attempts(EmbeddedDynamoDb dynamoDb) {
        return dynamoDb.syncClient().scanPaginator(b -> b.tableName(writeLog).consistentRead(true)).items().stream()
                .map(item -> new Attempt(item.get("pk").s(), item.get("sk").s(), Long.parseLong(item.get("version").n()),
                        item.get("worker").s(), Instant.EPOCH.plus(Long.parseLong(item.get("atMicros").n()), ChronoUnit.MICROS),
                        item.get("shardId").s()))
                .collect(Collectors.groupingBy(Attempt::key));
    }
}
