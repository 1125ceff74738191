package io.github.ddbstreams.sink.kafka;

import java.util.List;
import java.util.Set;

import org.apache.kafka.clients.producer.ProducerRecord;
import reactor.core.publisher.Mono;

/**
 * How a {@link KafkaSink} hands records to Kafka: a plain {@code Producer} ({@link ProducerRecordSender}) or a user's
 * reactor-kafka {@code KafkaSender} ({@link ReactorKafkaRecordSender}, the only class of the sink that refers to
 * reactor-kafka, so none of reactor-kafka is loaded unless one is passed in).
 */
interface RecordSender {

    /**
     * Waits for the metadata of the topics, then sends the records in list order and completes, once every send was
     * acknowledged or failed, with each record's error at its index ({@code null}: acknowledged).
     *
     * @return an error as a whole when the topics' metadata cannot be had, or the producer cannot take records at all
     */
    Mono<Throwable[]> send(List<ProducerRecord<byte[], byte[]>> records, Set<String> topics);

    /** Releases what the sink made itself (a producer it created, its own scheduler); never what was passed in. */
    Mono<Void> close();
}
