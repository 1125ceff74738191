package io.github.ddbstreams.sink.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Sends with a plain kafka-clients {@link Producer}, {@code send(record, callback)} bridged to a {@link Mono}.
 *
 * <p>Threads: {@code Producer.send} may block its caller up to {@code max.block.ms} (metadata of a topic not yet
 * known, a full {@code buffer.memory}), so the metadata wait and every {@code send} run on the send scheduler, one
 * worker per write (so a write's records are handed over in order), never on the subscriber's thread. Callbacks come
 * on the producer's I/O thread: they only record the outcome and ask for the next record, which the worker sends;
 * the write's result is emitted on the send scheduler, so downstream work never runs on the I/O thread.
 */
final class ProducerRecordSender implements RecordSender {

    private final Producer<byte[], byte[]> producer;
    private final boolean ownsProducer;
    private final Scheduler scheduler;
    private final boolean ownsScheduler;
    private final int maxInFlight;
    private final Duration closeTimeout;

    ProducerRecordSender(Producer<byte[], byte[]> producer, boolean ownsProducer, Scheduler scheduler,
            boolean ownsScheduler, int maxInFlight, Duration closeTimeout) {
        this.producer = producer;
        this.ownsProducer = ownsProducer;
        this.scheduler = scheduler;
        this.ownsScheduler = ownsScheduler;
        this.maxInFlight = maxInFlight;
        this.closeTimeout = closeTimeout;
    }

    @Override
    public Mono<Throwable[]> send(List<ProducerRecord<byte[], byte[]>> records, Set<String> topics) {
        AtomicReferenceArray<Throwable> errors = new AtomicReferenceArray<>(records.size());
        return awaitMetadata(topics)
                .thenMany(Flux.range(0, records.size())
                        // the worker hands records over in order; a callback freeing a slot only schedules the next
                        .publishOn(scheduler)
                        .flatMap(i -> send(records.get(i), i, errors), maxInFlight))
                .then(Mono.fromSupplier(() -> {
                    Throwable[] outcome = new Throwable[records.size()];
                    for (int i = 0; i < outcome.length; i++) {
                        outcome[i] = errors.get(i);
                    }
                    return outcome;
                }))
                .publishOn(scheduler);
    }

    /*
     * Asking for the partitions once per topic and batch turns an unknown topic's metadata wait into one bounded wait
     * (max.block.ms) that fails the whole batch, instead of one wait per record; with metadata cached it is a lookup.
     */
    private Mono<Void> awaitMetadata(Set<String> topics) {
        return Mono.<Void>fromRunnable(() -> topics.forEach(producer::partitionsFor)).subscribeOn(scheduler);
    }

    /*
     * An error the producer reports through the callback (ApiException: record too large, timeout, broker rejection)
     * is the record's outcome; one thrown by send itself (producer closed, interrupted) fails the write.
     */
    private Mono<Void> send(ProducerRecord<byte[], byte[]> record, int index, AtomicReferenceArray<Throwable> errors) {
        return Mono.create(sink -> producer.send(record, (metadata, error) -> {
            if (error != null) {
                errors.set(index, error);
            }
            sink.success();
        }));
    }

    @Override
    public Mono<Void> close() {
        return Mono.<Void>fromRunnable(() -> {
            try {
                if (ownsProducer) {
                    // flushes what the producer holds: by then every send was acknowledged or expired
                    producer.close(closeTimeout);
                }
            } finally {
                if (ownsScheduler) {
                    scheduler.dispose();
                }
            }
        }).subscribeOn(Schedulers.boundedElastic());
    }
}
