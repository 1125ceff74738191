package io.github.ddbstreams.sink.kafka;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.apache.kafka.clients.producer.ProducerRecord;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.kafka.sender.KafkaSender;
import reactor.kafka.sender.SenderRecord;

/**
 * Sends with a user's reactor-kafka {@link KafkaSender} (its public API only), which the sink never closes. Its
 * {@code SenderOptions} rule: {@code maxInFlight}, the scheduler results are emitted on, the producer's settings.
 *
 * <p>Per-record outcomes whatever the sender's {@code stopOnError}: with {@code stopOnError(true)} (reactor-kafka's
 * default) the results Flux ends at the first failed send, and every record without a result then fails with that
 * error, so none is counted as written unless the broker acknowledged it.
 */
final class ReactorKafkaRecordSender implements RecordSender {

    /** Marks an acknowledged record in the outcome array while the sends run. */
    private static final Throwable ACKNOWLEDGED = new Exception("acknowledged");

    private final KafkaSender<byte[], byte[]> sender;

    ReactorKafkaRecordSender(KafkaSender<byte[], byte[]> sender) {
        this.sender = sender;
    }

    @Override
    public Mono<Throwable[]> send(List<ProducerRecord<byte[], byte[]>> records, Set<String> topics) {
        AtomicReferenceArray<Throwable> outcomes = new AtomicReferenceArray<>(records.size());
        Flux<SenderRecord<byte[], byte[], Integer>> toSend = Flux.range(0, records.size())
                .map(i -> SenderRecord.create(records.get(i), i));
        return awaitMetadata(topics)
                .thenMany(sender.send(toSend)
                        .doOnNext(result -> {
                            Exception error = result.exception();
                            outcomes.compareAndSet(result.correlationMetadata(), null, error != null ? error : ACKNOWLEDGED);
                        })
                        .then()
                        // the send phase ended early (stopOnError, the producer closed): records without a result failed
                        .onErrorResume(error -> {
                            for (int i = 0; i < records.size(); i++) {
                                outcomes.compareAndSet(i, null, error);
                            }
                            return Mono.empty();
                        }))
                .then(Mono.fromSupplier(() -> {
                    Throwable[] errors = new Throwable[records.size()];
                    for (int i = 0; i < errors.length; i++) {
                        Throwable outcome = outcomes.get(i);
                        errors[i] = outcome == ACKNOWLEDGED ? null
                                : outcome != null ? outcome
                                : new IllegalStateException("the KafkaSender completed without a result for this record");
                    }
                    return errors;
                }));
    }

    /* As ProducerRecordSender: one bounded wait per topic and batch (on the sender's thread), failing the batch. */
    private Mono<Void> awaitMetadata(Set<String> topics) {
        return sender.doOnProducer(producer -> {
            topics.forEach(producer::partitionsFor);
            return Boolean.TRUE;
        }).then();
    }

    @Override
    public Mono<Void> close() {
        return Mono.empty();
    }
}
