package io.github.ddbstreams.sink.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.github.ddbstreams.internal.InFlightWrites;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.ChangeSink;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.sink.internal.SinkMetrics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A {@link ChangeSink} writing change records to Kafka with an idempotent producer ({@code acks=all},
 * {@code enable.idempotence=true}, at most 5 requests in flight per connection): a plain kafka-clients
 * {@code Producer} (3.9 or 4.x), created by the sink from {@link KafkaSinkOptions#producerConfig()} or passed in with
 * {@link KafkaSinkOptions.Builder#producer(Producer)}. reactor-kafka is not needed; an application that already has
 * a reactor-kafka {@code KafkaSender} can write through it with {@link KafkaSenderSink#create}.
 *
 * <p><b>Record layout.</b> Topic: {@link KafkaSinkOptions#topicSelector()} (default: the table name of the stream
 * ARN). Key: the canonical JSON of the item key ({@link io.github.ddbstreams.record.ItemKey#toJson()}: members
 * sorted by attribute name, numbers by value, e.g. {@code {"pk":"a","sk":5}}), the same bytes for every change of
 * one item, so all of them land in one partition, even when the item's number key was written as {@code 5} in one
 * request and {@code 5.0} or {@code 50E-1} in another. Keys written in plain form (strings, binary, integers
 * without exponent, decimals without trailing zeros) keep the bytes of earlier releases; only other number forms,
 * which used to split one item over several keys, now map to the canonical one. Value: the record as Lambda
 * event JSON or the new image as plain JSON ({@link KafkaSinkOptions#valueFormat()}); {@code null} (a tombstone)
 * for a REMOVE when {@link KafkaSinkOptions#removeAsTombstone()}. Headers (UTF-8): {@value #HEADER_EVENT_NAME},
 * {@value #HEADER_SEQUENCE_NUMBER}, {@value #HEADER_SHARD_ID}, {@value #HEADER_EVENT_ID}.
 *
 * <p><b>Order and duplicates.</b> The records of a batch are handed to the producer in batch order, so one shard's
 * changes of one item are appended in stream order. A topic is a log: a replayed record (at-least-once delivery, a
 * retry after a partial failure) is appended again. Consumers that need the newest state keep, per key, the change
 * with the highest {@value #HEADER_SEQUENCE_NUMBER} (compare with
 * {@link io.github.ddbstreams.record.SequenceNumbers#compare}); on a compacted topic with tombstones the latest
 * record per key is kept by Kafka, and the header lets a consumer ignore a replayed older one.
 *
 * <p><b>Outcomes.</b> {@link #write} completes when every record of the batch was acknowledged by the broker or
 * failed; a record that could not be mapped, or whose send failed (rejected by the broker, not acknowledged
 * within {@link KafkaSinkOptions#deliveryTimeout()}), is that record's failure in the {@link BatchResult}. Use
 * {@link io.github.ddbstreams.operators.errors.ErrorHandling} to retry, bisect, send to a failure destination and
 * acknowledge. The Mono fails as a whole only when the topic's metadata cannot be had within
 * {@link KafkaSinkOptions#maxBlock()} (checked once per topic per batch, so an unreachable cluster or a missing
 * topic costs one wait per batch, not one per record) or the producer cannot be created.
 *
 * <p><b>Memory.</b> One write has at most {@link KafkaSinkOptions#maxInFlight()} records in flight (serialized, in
 * the producer's buffer, bounded further by its {@code buffer.memory}); concurrent writes (one per shard under
 * {@code ErrorHandling}) multiply that bound.
 *
 * <p><b>Threads.</b> {@code Producer.send} can block its caller up to {@link KafkaSinkOptions#maxBlock()} (a topic's
 * metadata not yet known, the producer's buffer full), so the sink never calls it on the subscriber's thread: the
 * metadata wait and the sends run on {@link KafkaSinkOptions#sendScheduler()} (default: a bounded elastic scheduler
 * of the sink's own), each write on one worker, and the result is emitted there too, never on the producer's I/O
 * thread.
 *
 * <p>Thread-safe. One producer per sink; a producer the sink created is closed by {@link #disposeLater()}, one
 * passed in never is.
 *
 * <pre>{@code
 * KafkaSink sink = KafkaSink.create(KafkaSinkOptions.builder().bootstrapServers("localhost:9092").build());
 * receiver.receive()
 *     .transform(Batching.batches(BatchOptions.builder().maxRecords(500).build()))
 *     .transform(ErrorHandling.process(errorOptions, sink::write))
 *     .subscribe();
 * }</pre>
 */
public final class KafkaSink implements ChangeSink {

    /** The header holding the event name: {@code INSERT}, {@code MODIFY} or {@code REMOVE}. */
    public static final String HEADER_EVENT_NAME = "ddb.eventName";
    /** The header holding the record's sequence number (a decimal string that may exceed a {@code long}). */
    public static final String HEADER_SEQUENCE_NUMBER = "ddb.sequenceNumber";
    /** The header holding the id of the shard the record was read from. */
    public static final String HEADER_SHARD_ID = "ddb.shardId";
    /** The header holding the record's event id. */
    public static final String HEADER_EVENT_ID = "ddb.eventId";

    private static final Logger log = LoggerFactory.getLogger(KafkaSink.class);
    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();

    private final KafkaSinkOptions options;
    private final KafkaRecordMapper mapper;
    private final RecordSender sender;
    private final SinkMetrics metrics;
    private final InFlightWrites inFlight;
    private final Mono<Void> disposal;

    KafkaSink(KafkaSinkOptions options, RecordSender sender) {
        this.options = options;
        this.mapper = KafkaRecordMapper.of(options);
        this.sender = sender;
        this.metrics = SinkMetrics.create(options.name(), options.meterRegistry(), options.observationRegistry());
        this.inFlight = new InFlightWrites(() -> "the Kafka sink '" + options.name() + "' is disposed");
        this.disposal = Mono.defer(this::dispose0).cache();
    }

    /**
     * A sink with these options: writing with {@link KafkaSinkOptions#producer()} when one was passed in (never
     * closed by the sink), else with a {@code KafkaProducer} it creates from {@link KafkaSinkOptions#producerConfig()}
     * (it connects on the first write) and closes on {@link #disposeLater()}.
     *
     * <pre>{@code
     * KafkaSink sink = KafkaSink.create(KafkaSinkOptions.builder().bootstrapServers("localhost:9092").build());
     * }</pre>
     *
     * @throws IllegalArgumentException when the sink must create its producer and the options name no bootstrap
     *     servers
     * @throws org.apache.kafka.common.KafkaException when the producer cannot be created from the configuration
     */
    public static KafkaSink create(KafkaSinkOptions options) {
        Objects.requireNonNull(options, "options");
        if (options.producer() != null) {
            return create(options, config -> options.producer(), false);
        }
        if (!options.hasBootstrapServers()) {
            throw new IllegalArgumentException("bootstrapServers must be set (or producerProperties[bootstrap.servers]) "
                    + "for the sink to create its producer, unless a producer is passed in");
        }
        return create(options, KafkaProducer::new, true);
    }

    /** A sink on the producer that {@code producers} gives for the configuration; closed on dispose when owned. */
    static KafkaSink create(KafkaSinkOptions options, Function<Map<String, Object>, Producer<byte[], byte[]>> producers,
            boolean ownsProducer) {
        Producer<byte[], byte[]> producer = producers.apply(producerConfig(options));
        Scheduler scheduler = options.sendScheduler();
        boolean ownsScheduler = scheduler == null;
        if (ownsScheduler) {
            scheduler = Schedulers.newBoundedElastic(Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE,
                    Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE, "ddb-streams-kafka-" + options.name(), 60, true);
        }
        // closing flushes what the producer holds: by then every send was acknowledged or expired
        return new KafkaSink(options, new ProducerRecordSender(producer, ownsProducer, scheduler, ownsScheduler,
                options.maxInFlight(), options.deliveryTimeout()));
    }

    private static Map<String, Object> producerConfig(KafkaSinkOptions options) {
        Map<String, Object> config = new HashMap<>(options.producerConfig());
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "ddb-streams-" + options.name() + "-" + CLIENT_IDS.incrementAndGet());
        return config;
    }

    /** The options of this sink. */
    public KafkaSinkOptions options() {
        return options;
    }

    /**
     * Sends every record of the batch, in order, with at most {@link KafkaSinkOptions#maxInFlight()} in flight,
     * and completes once each was acknowledged by the broker or failed. Failed records are reported in the result.
     * Sends never block the subscribing thread; the result is emitted on the send scheduler (on a sink from
     * {@link KafkaSenderSink}: where the sender emits its results).
     *
     * <pre>{@code
     * sink.write(RecordBatch.of(records)).subscribe(result -> log.info("{} failed", result.failures().size()));
     * }</pre>
     *
     * @return the batch's result; an error when the sink is disposed or the whole batch failed
     */
    @Override
    public Mono<BatchResult> write(RecordBatch batch) {
        Objects.requireNonNull(batch, "batch");
        return inFlight.run(() -> metrics.instrument(batch, () -> send(batch)));
    }

    private Mono<BatchResult> send(RecordBatch batch) {
        if (batch.isEmpty()) {
            return Mono.just(BatchResult.success(batch));
        }
        List<ChangeRecord> records = batch.records();
        List<BatchResult.RecordFailure> failures = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> toSend = new ArrayList<>(records.size());
        List<ChangeRecord> sent = new ArrayList<>(records.size());
        Set<String> topics = new LinkedHashSet<>();
        for (ChangeRecord record : records) {
            ProducerRecord<byte[], byte[]> producerRecord;
            try {
                producerRecord = mapper.toProducerRecord(record);
            } catch (RuntimeException e) {
                log.debug("cannot map {} to a Kafka record", record, e);
                failures.add(new BatchResult.RecordFailure(record, e));
                continue;
            }
            topics.add(producerRecord.topic());
            toSend.add(producerRecord);
            sent.add(record);
        }
        if (toSend.isEmpty()) {
            return Mono.just(BatchResult.of(batch, failures));
        }
        return sender.send(toSend, topics).map(errors -> {
            for (int i = 0; i < errors.length; i++) {
                if (errors[i] != null) {
                    log.debug("send of {} failed", sent.get(i), errors[i]);
                    failures.add(new BatchResult.RecordFailure(sent.get(i), errors[i]));
                }
            }
            if (failures.isEmpty()) {
                return BatchResult.success(batch);
            }
            log.debug("{}: {} of {} records failed", options.name(), failures.size(), batch.size());
            return BatchResult.of(batch, failures);
        });
    }

    @Override
    public String name() {
        return options.name();
    }

    /**
     * Refuses new writes, waits for the writes in flight to complete (each bounded by the delivery timeout), then
     * closes the producer if the sink created it (flushing what it holds) and its own send scheduler. A producer,
     * scheduler or {@code KafkaSender} passed in is left open. Lazy and idempotent.
     *
     * <pre>{@code
     * sink.disposeLater().block(Duration.ofMinutes(1));
     * }</pre>
     */
    @Override
    public Mono<Void> disposeLater() {
        return disposal;
    }

    private Mono<Void> dispose0() {
        return inFlight.drain()
                .then(sender.close())
                .doOnSuccess(done -> log.info("Kafka sink '{}' closed", options.name()));
    }

    @Override
    public String toString() {
        return "KafkaSink{" + options + "}";
    }
}
