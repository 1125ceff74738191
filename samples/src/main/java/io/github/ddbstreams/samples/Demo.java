package io.github.ddbstreams.samples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;
import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.batch.Batching;
import io.github.ddbstreams.operators.dedupe.Dedupe;
import io.github.ddbstreams.operators.delta.ChangeDelta;
import io.github.ddbstreams.operators.delta.Delta;
import io.github.ddbstreams.operators.errors.ErrorHandling;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
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
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The demo: DynamoDB Local, OpenSearch and Kafka started on 127.0.0.1; an {@code Orders} table with a
 * NEW_AND_OLD_IMAGES stream; a workload of puts, updates and deletes; and one pipeline
 * receiver → delta → dedupe → batch → (OpenSearch index + Kafka topic + replica table) with retries. While it
 * runs it prints a progress line; at the end it checks that the replica table and the index equal the source
 * table item by item and that Kafka holds every change, then prints a summary. Exit code 0 only when every
 * check holds.
 *
 * <p>Run it with {@code mvn -q -Pdemo -DskipTests package} (README, set-up command 1).
 */
public final class Demo {

    static final String TABLE = "Orders";
    static final String REPLICA = "OrdersReplica";
    static final String INDEX = "orders";
    static final String TOPIC = "orders";
    private static final int KEYS = 300;
    private static final int OPERATIONS = 3_000;
    private static final Duration WRITE_PACE = Duration.ofMillis(8);

    private Demo() {
    }

    public static void main(String[] args) {
        boolean passed;
        System.out.println("Starting DynamoDB Local, OpenSearch and Kafka on 127.0.0.1 ...");
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
                EmbeddedOpenSearch openSearch = EmbeddedOpenSearch.start();
                EmbeddedKafka kafka = EmbeddedKafka.start()) {
            passed = run(dynamoDb, openSearch, kafka);
        }
        System.exit(passed ? 0 : 1);
    }

    /** Runs the demo against running servers; returns whether every check passed. */
    static boolean run(EmbeddedDynamoDb dynamoDb, EmbeddedOpenSearch openSearch, EmbeddedKafka kafka) {
        return run(dynamoDb, openSearch, kafka, WRITE_PACE);
    }

    /**
     * Runs the demo with a pause of {@code writePace} between two writes (the demo's pace lets a reader follow its
     * progress lines; its checks do not depend on it, so its test writes as fast as it can: {@link Duration#ZERO}).
     */
    static boolean run(EmbeddedDynamoDb dynamoDb, EmbeddedOpenSearch openSearch, EmbeddedKafka kafka,
            Duration writePace) {
        return run(dynamoDb, openSearch, kafka, writePace, OPERATIONS);
    }

    /**
     * Runs the demo with {@code operations} writes instead of the demo's 3,000 (its checks do not depend on how
     * many: its test writes fewer, to keep the build short).
     */
    static boolean run(EmbeddedDynamoDb dynamoDb, EmbeddedOpenSearch openSearch, EmbeddedKafka kafka,
            Duration writePace, int operations) {
        long started = System.nanoTime();
        DynamoDbAsyncClient client = dynamoDb.dynamoDbAsyncClient();
        dynamoDb.createTableWithStream(TABLE, StreamViewType.NEW_AND_OLD_IMAGES);
        dynamoDb.createTableWithStream(REPLICA, StreamViewType.KEYS_ONLY);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();

        List<ChangeSink> sinks = List.of(
                OpenSearchSink.create(OpenSearchSinkOptions.builder().endpoint(openSearch.endpoint()).index(INDEX)
                        .meterRegistry(meters).build()),
                KafkaSink.create(KafkaSinkOptions.builder().bootstrapServers(kafka.bootstrapServers()).topic(TOPIC)
                        .meterRegistry(meters).build()),
                ReplicaTableSink.create(ReplicaTableSinkOptions.builder().client(client).tableName(REPLICA)
                        .meterRegistry(meters).build()));

        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(dynamoDb.streamsAsyncClient())
                .dynamoDbClient(client)
                .tableName(TABLE)
                .pollInterval(Duration.ofMillis(50))
                .meterRegistry(meters)
                .build());

        AtomicLong attributesChanged = new AtomicLong();
        AtomicLong processed = new AtomicLong();
        Disposable pipeline = receiver.receive()
                .transform(Delta.deltas())                                      // what changed, for the summary
                .doOnNext(delta -> attributesChanged.addAndGet(delta.changes().size()))
                .map(ChangeDelta::record)
                .transform(Dedupe.bySequenceNumber())                           // replays after a retry
                .transform(Batching.batches(BatchOptions.builder().maxRecords(200)
                        .maxWait(Duration.ofMillis(200)).meterRegistry(meters).build()))
                .transform(ErrorHandling.process(ErrorHandlingOptions.builder().maxAttempts(20)
                        .retryBackoff(Duration.ofMillis(200)).meterRegistry(meters).build(),
                        batch -> writeToAll(sinks, batch)))
                .subscribe(result -> processed.addAndGet(result.batch().size()),
                        error -> System.err.println("Pipeline failed: " + error));

        Map<EventName, Long> written = new EnumMap<>(EventName.class);
        Disposable progress = Flux.interval(Duration.ofSeconds(1))
                .subscribe(tick -> System.out.println(progressLine(tick + 1, meters, processed.get())));
        try {
            SampleSupport.writeWorkload(client, TABLE, operations, KEYS, writePace, written).block(Duration.ofMinutes(3));
            long total = written.values().stream().mapToLong(Long::longValue).sum();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (processed.get() < total && System.nanoTime() < deadline) {
                SampleSupport.sleepQuietly(100);
            }
            progress.dispose();
            System.out.println(progressLine(-1, meters, processed.get()));
            return verifyAndSummarize(dynamoDb, openSearch, kafka, meters, written, processed.get(),
                    attributesChanged.get(), (System.nanoTime() - started) / 1e9);
        } finally {
            progress.dispose();
            pipeline.dispose();
            Flux.fromIterable(sinks).flatMap(ChangeSink::disposeLater).then().block(Duration.ofSeconds(30));
        }
    }

    /** Writes a batch to every sink at once; a record failed if any sink failed it. */
    private static Mono<BatchResult> writeToAll(List<ChangeSink> sinks, RecordBatch batch) {
        return Flux.fromIterable(sinks)
                .flatMap(sink -> sink.write(batch))
                .collectList()
                .map(results -> {
                    Map<ChangeRecord, BatchResult.RecordFailure> failures = new LinkedHashMap<>();
                    for (BatchResult result : results) {
                        for (BatchResult.RecordFailure failure : result.failures()) {
                            failures.putIfAbsent(failure.record(), failure);
                        }
                    }
                    return BatchResult.of(batch, new ArrayList<>(failures.values()));
                });
    }

    private static String progressLine(long second, SimpleMeterRegistry meters, long processed) {
        double received = count(meters, DynamoDbStreamsMeters.RECORDS_RECEIVED.meterName(), null);
        double age = gaugeSeconds(meters, DynamoDbStreamsMeters.ITERATOR_AGE.meterName());
        double behind = gaugeSeconds(meters, DynamoDbStreamsMeters.BEHIND_LATEST.meterName());
        return String.format("%s received %6.0f  processed %6d  iterator age %4.1fs  behind latest %4.1fs  "
                        + "opensearch %6.0f  kafka %6.0f  replica %6.0f",
                second < 0 ? "[done]  " : String.format("[%3ds]  ", second), received, processed, age, behind,
                count(meters, DynamoDbStreamsMeters.SINK_WRITES.meterName(), "opensearch"),
                count(meters, DynamoDbStreamsMeters.SINK_WRITES.meterName(), "kafka"),
                count(meters, DynamoDbStreamsMeters.SINK_WRITES.meterName(), "replica"));
    }

    private static double count(SimpleMeterRegistry meters, String name, String sink) {
        Search search = meters.find(name);
        if (sink != null) {
            search = search.tag("sink", sink).tag("outcome", "success");
        }
        return search.counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static double gaugeSeconds(SimpleMeterRegistry meters, String name) {
        var gauge = meters.find(name).timeGauge();
        return gauge == null ? 0 : gauge.value(java.util.concurrent.TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ verification

    private static boolean verifyAndSummarize(EmbeddedDynamoDb dynamoDb, EmbeddedOpenSearch openSearch,
            EmbeddedKafka kafka, SimpleMeterRegistry meters, Map<EventName, Long> written, long processed,
            long attributesChanged, double seconds) {
        Map<String, Map<String, Object>> source = SampleSupport.scan(dynamoDb.syncClient(), TABLE, false);
        Map<String, Map<String, Object>> replica = SampleSupport.scan(dynamoDb.syncClient(), REPLICA, true);
        Map<String, Map<String, Object>> index = SampleSupport.searchLiveDocuments(openSearch.endpoint(), INDEX);
        long changes = written.values().stream().mapToLong(Long::longValue).sum();
        KafkaCheck topic = readTopic(kafka.bootstrapServers(), changes);

        boolean allProcessed = processed >= changes;
        boolean replicaEqual = SampleSupport.equalItems(source, replica);
        boolean indexEqual = SampleSupport.equalItems(source, index);
        boolean kafkaComplete = topic.distinctChanges == changes && topic.inOrderPerKey;

        System.out.println();
        System.out.println("Summary");
        System.out.printf("  %-34s %s%n", "changes written", written);
        System.out.printf("  %-34s %d of %d%n", "changes processed by the pipeline", processed, changes);
        System.out.printf("  %-34s %d%n", "attributes changed (delta)", attributesChanged);
        System.out.printf("  %-34s %d%n", "items in the source table", source.size());
        System.out.printf("  %-34s %-6s (%d items)%n", "replica table equals source", yes(replicaEqual), replica.size());
        System.out.printf("  %-34s %-6s (%d live documents)%n", "OpenSearch index equals source", yes(indexEqual), index.size());
        System.out.printf("  %-34s %-6s (%d records, %d distinct changes, per-key order %s)%n", "Kafka topic holds every change",
                yes(kafkaComplete), topic.records, topic.distinctChanges, yes(topic.inOrderPerKey));
        for (String sink : List.of("opensearch", "kafka", "replica")) {
            System.out.printf("  %-34s %.0f written, %.0f failed attempts%n", "sink " + sink,
                    meters.find(DynamoDbStreamsMeters.SINK_WRITES.meterName()).tag("sink", sink).tag("outcome", "success")
                            .counters().stream().mapToDouble(c -> c.count()).sum(),
                    meters.find(DynamoDbStreamsMeters.SINK_WRITES.meterName()).tag("sink", sink).tag("outcome", "failure")
                            .counters().stream().mapToDouble(c -> c.count()).sum());
        }
        System.out.printf("  %-34s %.1f s%n", "run time", seconds);
        boolean passed = allProcessed && replicaEqual && indexEqual && kafkaComplete;
        System.out.println("  verification: " + (passed ? "PASSED" : "FAILED"));
        return passed;
    }

    private static String yes(boolean value) {
        return value ? "yes" : "NO";
    }

    private record KafkaCheck(long records, long distinctChanges, boolean inOrderPerKey) {
    }

    /** Reads the topic from the start: every change present, each key's changes in sequence order. */
    private static KafkaCheck readTopic(String bootstrapServers, long expected) {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", bootstrapServers);
        properties.put("group.id", "demo-check-" + System.nanoTime());
        properties.put("auto.offset.reset", "earliest");
        properties.put("enable.auto.commit", "false");
        long records = 0;
        Set<String> distinct = new HashSet<>();
        Map<String, String> lastPerKey = new ConcurrentHashMap<>();
        boolean inOrder = true;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (distinct.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    records++;
                    Header header = record.headers().lastHeader(KafkaSink.HEADER_SEQUENCE_NUMBER);
                    String sequenceNumber = new String(header.value(), java.nio.charset.StandardCharsets.UTF_8);
                    if (!distinct.add(sequenceNumber)) {
                        continue; // a replay: consumers drop what they already have
                    }
                    String key = new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
                    String previous = lastPerKey.put(key, sequenceNumber);
                    if (previous != null && SequenceNumbers.compare(sequenceNumber, previous) <= 0) {
                        inOrder = false;
                    }
                }
            }
        }
        return new KafkaCheck(records, distinct.size(), inOrder);
    }

}
