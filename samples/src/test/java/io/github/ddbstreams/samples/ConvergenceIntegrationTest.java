package io.github.ddbstreams.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStore;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStoreOptions;
import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.batch.Batching;
import io.github.ddbstreams.operators.errors.DynamoDbFailureDestination;
import io.github.ddbstreams.operators.errors.DynamoDbFailureDestinationOptions;
import io.github.ddbstreams.operators.errors.ErrorHandling;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.ChangeSink;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.sink.dynamodb.ReplicaTableSink;
import io.github.ddbstreams.sink.dynamodb.ReplicaTableSinkOptions;
import io.github.ddbstreams.sink.kafka.KafkaSink;
import io.github.ddbstreams.sink.kafka.KafkaSinkOptions;
import io.github.ddbstreams.sink.opensearch.OpenSearchSink;
import io.github.ddbstreams.sink.opensearch.OpenSearchSinkOptions;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.EmbeddedKafka;
import io.github.ddbstreams.testkit.EmbeddedOpenSearch;
import io.github.ddbstreams.testkit.FaultInjector;
import io.github.ddbstreams.testkit.FaultKind;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Convergence under faults: random puts, updates and deletes on 2,000 keys while one pipeline feeds a replica
 * table, OpenSearch and Kafka; during the run the streams client is throttled, fails with 5xx and has its
 * iterators expired, OpenSearch is killed and restarted, Kafka is restarted, the worker is killed (no final
 * commit) and a new one resumes from the last checkpoint, and a few poison records fail in every sink. At the end
 * the replica and the index equal the source item by item, Kafka holds each key's changes in order, every poison
 * record is in the failure destination with its full payload, and no change was lost.
 *
 * <p>"In order" in Kafka, exactly: delivery is at-least-once, so a key's records in the topic may hold copies of a
 * change (a retried batch, a replay after the worker was killed) and a copy may land before an older change whose
 * send failed; but for every key, keeping only the <em>last</em> copy of each change, the changes follow their
 * sequence order. So a consumer applying the topic in offset order ends on each key's newest change, and any older
 * change it meets after a newer one is followed again by that newer one.
 */
class ConvergenceIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(ConvergenceIntegrationTest.class);
    private static final String TABLE = "Convergence";
    private static final String REPLICA = "ConvergenceReplica";
    private static final String INDEX = "convergence";
    private static final String TOPIC = "convergence";
    private static final int KEYS = 2_000;
    private static final int OPERATIONS = 6_000;
    private static final Set<Integer> POISON_OPERATIONS = Set.of(700, 2_100, 3_500, 4_900);
    /** The operation at which OpenSearch is killed (then restarted), and the one at which Kafka is restarted. */
    private static final int OPENSEARCH_KILLED_AT = 600;
    private static final int KAFKA_RESTARTED_AT = 2_400;

    /** Every call fails once killed, as if the process had died. */
    private static <T> T killable(Class<T> type, T delegate, AtomicBoolean killed) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            if (killed.get() && CompletableFuture.class.isAssignableFrom(method.getReturnType())) {
                return CompletableFuture.failedFuture(SdkClientException.create("worker killed", new IOException("killed")));
            }
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }

    /** Starts {@code outage} beside the caller (on a bounded-elastic thread); the returned Mono ends when it has. */
    private static Mono<Void> outage(String what, Runnable outage) {
        log.info("Chaos: {}", what);
        Mono<Void> done = Mono.fromRunnable(outage).subscribeOn(Schedulers.boundedElastic()).then().cache();
        done.subscribe(null, error -> log.error("Chaos: {} failed", what, error));
        return done;
    }

    @Test
    void replicaIndexAndTopicConvergeToTheSource_underFaults_withNothingLost() {
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
                EmbeddedOpenSearch openSearch = EmbeddedOpenSearch.start();
                EmbeddedKafka kafka = EmbeddedKafka.start()) {
            DynamoDbAsyncClient client = dynamoDb.dynamoDbAsyncClient();
            dynamoDb.createTableWithStream(TABLE, StreamViewType.NEW_AND_OLD_IMAGES);
            dynamoDb.createTableWithStream(REPLICA, StreamViewType.KEYS_ONLY);

            FaultInjector faults = FaultInjector.create(7);
            faults.inject(FaultKind.THROTTLE).on("GetRecords").withProbability(0.03);
            faults.inject(FaultKind.SERVER_ERROR).on("GetRecords").withProbability(0.03);
            faults.inject(FaultKind.EXPIRED_ITERATOR).on("GetRecords").withProbability(0.02);

            List<ChangeSink> sinks = List.of(
                    OpenSearchSink.create(OpenSearchSinkOptions.builder().endpoint(openSearch.endpoint()).index(INDEX).build()),
                    KafkaSink.create(KafkaSinkOptions.builder().bootstrapServers(kafka.bootstrapServers()).topic(TOPIC)
                            .deliveryTimeout(Duration.ofSeconds(10)).requestTimeout(Duration.ofSeconds(5)).build()),
                    ReplicaTableSink.create(ReplicaTableSinkOptions.builder().client(client).tableName(REPLICA).build()));
            DynamoDbFailureDestination destination = DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions
                    .builder().client(client).tableName("ConvergenceFailures").build());

            Map<String, Long> delivered = new ConcurrentHashMap<>();
            AtomicLong deliveries = new AtomicLong();
            AtomicBoolean worker1Killed = new AtomicBoolean();
            Disposable worker1 = pipeline(dynamoDb, faults, sinks, destination,
                    killable(DynamoDbAsyncClient.class, dynamoDb.newDynamoDbAsyncClient(), worker1Killed), delivered, deliveries);

            Map<String, List<String>> poisonKeys = new ConcurrentHashMap<>();
            AtomicLong written = new AtomicLong();
            Random random = new Random(11);
            Map<String, Integer> versions = new HashMap<>();
            // the outages start at fixed points of the workload (not of the clock), so each one happens while changes
            // are being written however fast the machine is; they run beside the writes
            List<Mono<Void>> chaos = new CopyOnWriteArrayList<>();
            Disposable[] worker2 = new Disposable[1];
            Flux.range(0, OPERATIONS)
                    .concatMap(i -> {
                        if (i == OPENSEARCH_KILLED_AT) {
                            chaos.add(outage("killing OpenSearch", () -> {
                                openSearch.kill();
                                openSearch.restart();
                            }));
                        } else if (i == KAFKA_RESTARTED_AT) {
                            chaos.add(outage("restarting Kafka", kafka::restart));
                        }
                        if (i == OPERATIONS / 2) {
                            log.info("Chaos: killing the worker (no final commit) and starting a new one");
                            worker1Killed.set(true);
                            worker1.dispose();
                            worker2[0] = pipeline(dynamoDb, faults, sinks, destination, dynamoDb.newDynamoDbAsyncClient(),
                                    delivered, deliveries);
                        }
                        written.incrementAndGet();
                        if (POISON_OPERATIONS.contains(i)) {
                            String key = "poison-" + i;
                            poisonKeys.put(key, List.of());
                            return Mono.fromFuture(() -> client.putItem(b -> b.tableName(TABLE).item(Map.of(
                                    "pk", AttributeValue.fromS(key), "poison", AttributeValue.fromBool(true),
                                    "payload", AttributeValue.fromS("full payload of " + key)))));
                        }
                        String key = "key-" + random.nextInt(KEYS);
                        Integer version = versions.get(key);
                        if (version != null && random.nextInt(5) == 0) {
                            versions.remove(key);
                            return Mono.fromFuture(() -> client.deleteItem(b -> b.tableName(TABLE)
                                    .key(Map.of("pk", AttributeValue.fromS(key)))));
                        }
                        int next = version == null ? 0 : version + 1;
                        versions.put(key, next);
                        return Mono.fromFuture(() -> client.putItem(b -> b.tableName(TABLE).item(Map.of(
                                "pk", AttributeValue.fromS(key), "version", AttributeValue.fromN(Integer.toString(next)),
                                "amount", AttributeValue.fromN(random.nextInt(10_000) + ".5")))));
                    })
                    .blockLast(Duration.ofMinutes(3));

            try {
                // both outages are over (each restart returned) before the end is judged
                Flux.concat(chaos).then().block(Duration.ofMinutes(2));
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            log.info("delivered {} of {} changes ({} deliveries), faults {}", delivered.size(),
                                    OPERATIONS, deliveries.get(), faults.injected());
                            return delivered.size() >= OPERATIONS;
                        });
            } finally {
                if (worker2[0] != null) {
                    worker2[0].dispose();
                }
                Flux.fromIterable(sinks).flatMap(ChangeSink::disposeLater).then().block(Duration.ofSeconds(60));
            }

            // nothing lost: every change written was processed (acknowledged after all sinks wrote it, or after the
            // failure destination stored it)
            long lost = written.get() - delivered.size();
            long duplicates = deliveries.get() - delivered.size();

            Set<String> poison = poisonKeys.keySet();
            Map<String, Map<String, Object>> source = withoutKeys(SampleSupport.scan(dynamoDb.syncClient(), TABLE, false), poison);
            Map<String, Map<String, Object>> replica = withoutKeys(SampleSupport.scan(dynamoDb.syncClient(), REPLICA, true), poison);
            Map<String, Map<String, Object>> index = withoutKeys(SampleSupport.searchLiveDocuments(openSearch.endpoint(), INDEX), poison);
            Map<String, Map<String, AttributeValue>> failures = new HashMap<>();
            dynamoDb.syncClient().scanPaginator(b -> b.tableName("ConvergenceFailures")).items()
                    .forEach(item -> failures.put(item.get("newImage").m().get("pk").s(), item.get("newImage").m()));
            KafkaOrder kafkaOrder = readTopic(kafka.bootstrapServers());

            log.info("Convergence: {} changes written, faults injected {}, OpenSearch killed and restarted 1, Kafka restarted 1,"
                            + " worker killed 1, poison records {}, deliveries {}, duplicates {}, lost {}",
                    written.get(), faults.injected(), poison.size(), deliveries.get(), duplicates, lost);
            assertThat(lost).as("changes lost").isZero();
            assertThat(faults.totalInjected()).isPositive();
            assertThat(SampleSupport.equalItems(source, replica)).as("replica equals source").isTrue();
            assertThat(SampleSupport.equalItems(source, index)).as("index equals source").isTrue();
            assertThat(kafkaOrder.distinct()).as("Kafka holds every non-poison change").isEqualTo(OPERATIONS - poison.size());
            // a consumer keeping each key's highest sequence number ends with the source's live keys
            Set<String> liveInKafka = new HashSet<>();
            kafkaOrder.latestEvent().forEach((key, event) -> {
                if (!"REMOVE".equals(event)) {
                    liveInKafka.add(key.replaceAll("^\\{\"pk\":\"(.*)\"\\}$", "$1"));
                }
            });
            assertThat(liveInKafka).as("latest change per key in Kafka").isEqualTo(source.keySet());
            // per key, in order: keeping the last copy of each change, the changes follow sequence order (see
            // KafkaOrder.lastCopiesOutOfOrder for why the pipeline guarantees this and not more)
            log.info("Kafka: {} distinct changes, {} redeliveries, {} keys whose first copies were out of order (a send"
                            + " that landed before an earlier failed one; each was appended again after it)",
                    kafkaOrder.distinct(), kafkaOrder.redeliveries(), kafkaOrder.firstCopiesOutOfOrder());
            assertThat(kafkaOrder.lastCopiesOutOfOrder()).as("keys whose changes (last copy of each) are out of order"
                    + " in Kafka, with every copy's sequence number in offset order").isEmpty();
            assertThat(failures.keySet()).containsExactlyInAnyOrderElementsOf(poison);
            failures.forEach((key, image) -> assertThat(image.get("payload").s()).isEqualTo("full payload of " + key));
        }
    }

    private static Map<String, Map<String, Object>> withoutKeys(Map<String, Map<String, Object>> items, Set<String> keys) {
        Map<String, Map<String, Object>> kept = new HashMap<>(items);
        kept.keySet().removeAll(keys);
        return kept;
    }

    private static Disposable pipeline(EmbeddedDynamoDb dynamoDb, FaultInjector faults, List<ChangeSink> sinks,
            DynamoDbFailureDestination destination, DynamoDbAsyncClient checkpointClient, Map<String, Long> delivered,
            AtomicLong deliveries) {
        return DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                        .streamsClient(dynamoDb.newStreamsAsyncClient(faults))
                        .dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                        .tableName(TABLE)
                        .pollInterval(Duration.ofMillis(50))
                        .retryBackoff(Duration.ofMillis(50))
                        .maxRetryBackoff(Duration.ofSeconds(1))
                        .commitInterval(Duration.ofSeconds(1))
                        .checkpointStore(DynamoDbCheckpointStore.create(DynamoDbCheckpointStoreOptions.builder()
                                .client(checkpointClient).tableName("ConvergenceCheckpoints").build()))
                        .build())
                .receive()
                .transform(Batching.batches(BatchOptions.builder().maxRecords(200).maxWait(Duration.ofMillis(200)).build()))
                .transform(ErrorHandling.process(ErrorHandlingOptions.builder()
                        .maxAttempts(Integer.MAX_VALUE)              // outages: retry until the server is back
                        .retryable(error -> !(error instanceof IllegalArgumentException)) // poison: give up at once
                        .retryBackoff(Duration.ofMillis(200)).maxRetryBackoff(Duration.ofSeconds(2))
                        .bisectOnError(true)
                        .failureDestination(destination)
                        .build(), batch -> writeToAll(sinks, batch)))
                .subscribe(result -> {
                    for (ChangeRecord record : result.batch().records()) {
                        deliveries.incrementAndGet();
                        delivered.merge(record.sequenceNumber(), 1L, Long::sum);
                    }
                }, error -> log.error("Pipeline failed", error));
    }

    /** All three sinks; poison records fail everywhere (as if every sink rejected them). */
    private static Mono<BatchResult> writeToAll(List<ChangeSink> sinks, RecordBatch batch) {
        List<ChangeRecord> poison = new ArrayList<>();
        List<ChangeRecord> good = new ArrayList<>();
        for (ChangeRecord record : batch.records()) {
            AttributeValue flag = record.newImage().get("poison");
            (flag != null && Boolean.TRUE.equals(flag.bool()) ? poison : good).add(record);
        }
        if (!poison.isEmpty()) {
            return Mono.error(new IllegalArgumentException("poison record rejected by every sink"));
        }
        return Flux.fromIterable(sinks).flatMap(sink -> sink.write(batch)).collectList().map(results -> {
            Map<ChangeRecord, BatchResult.RecordFailure> failures = new LinkedHashMap<>();
            results.forEach(result -> result.failures().forEach(f -> failures.putIfAbsent(f.record(), f)));
            return BatchResult.of(batch, new ArrayList<>(failures.values()));
        });
    }

    /**
     * What the topic holds, per key in offset order.
     *
     * @param distinct distinct changes in the topic
     * @param copies per key, the sequence number of every record in offset order, copies included
     * @param latestEvent per key, the event name of its change with the highest sequence number
     */
    private record KafkaOrder(long distinct, Map<String, List<String>> copies, Map<String, String> latestEvent) {

        /**
         * Keys whose changes, keeping only the <em>last</em> copy of each, are not in sequence order: a change
         * appended after a newer one of its key and never followed by a new copy of that newer one. The pipeline
         * never does this: a shard's batches are written one at a time, a partial failure is retried from the
         * first failed record to the end of the batch, and a restarted worker replays from its checkpoint, so
         * every record that overtook an older one (a later send that succeeded while an earlier one failed, or
         * a record of a killed worker) is appended again after it.
         */
        Map<String, List<String>> lastCopiesOutOfOrder() {
            Map<String, List<String>> violations = new HashMap<>();
            copies.forEach((key, sequence) -> {
                List<String> lastCopies = lastCopies(sequence);
                if (!isIncreasing(lastCopies)) {
                    violations.put(key, sequence);
                }
            });
            return violations;
        }

        /**
         * Keys whose changes, keeping only the <em>first</em> copy of each, are not in sequence order (a later send
         * landed before an earlier one that failed and was retried); allowed, reported only.
         */
        long firstCopiesOutOfOrder() {
            return copies.values().stream()
                    .filter(sequence -> !isIncreasing(new ArrayList<>(new LinkedHashSet<>(sequence))))
                    .count();
        }

        /** Copies beyond the first of a change (at-least-once redeliveries). */
        long redeliveries() {
            return copies.values().stream().mapToLong(List::size).sum() - distinct;
        }

        /** The distinct sequence numbers of {@code sequence}, each at the place of its last copy. */
        static List<String> lastCopies(List<String> sequence) {
            Set<String> later = new HashSet<>();
            List<String> reversed = new ArrayList<>();
            for (int i = sequence.size() - 1; i >= 0; i--) {
                if (later.add(sequence.get(i))) {
                    reversed.add(sequence.get(i));
                }
            }
            Collections.reverse(reversed);
            return reversed;
        }

        private static boolean isIncreasing(List<String> sequence) {
            for (int i = 1; i < sequence.size(); i++) {
                if (SequenceNumbers.compare(sequence.get(i), sequence.get(i - 1)) <= 0) {
                    return false;
                }
            }
            return true;
        }
    }

    private static KafkaOrder readTopic(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", bootstrapServers);
        properties.put("group.id", "convergence-" + System.nanoTime());
        properties.put("auto.offset.reset", "earliest");
        Set<String> seen = new HashSet<>();
        Map<String, List<String>> copies = new HashMap<>();
        Map<String, String> highest = new HashMap<>();
        Map<String, String> latestEvent = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            // the sinks are disposed: the topic holds all it will; read every partition up to its end offset
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> endOffsets = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (!partitions.stream().allMatch(p -> consumer.position(p) >= endOffsets.get(p))) {
                assertThat(System.nanoTime()).as("reading topic %s up to its end offsets %s", TOPIC, endOffsets)
                        .isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    String sequence = new String(record.headers().lastHeader(KafkaSink.HEADER_SEQUENCE_NUMBER).value(),
                            java.nio.charset.StandardCharsets.UTF_8);
                    String key = new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
                    // one partition per key, so poll order is offset order for the key
                    copies.computeIfAbsent(key, k -> new ArrayList<>()).add(sequence);
                    if (!seen.add(sequence)) {
                        continue;
                    }
                    String top = highest.get(key);
                    if (top == null || SequenceNumbers.compare(sequence, top) > 0) {
                        highest.put(key, sequence);
                        latestEvent.put(key, new String(record.headers().lastHeader(KafkaSink.HEADER_EVENT_NAME).value(),
                                java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return new KafkaOrder(seen.size(), copies, latestEvent);
    }
}
