package io.github.ddbstreams.sink.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import reactor.core.publisher.Mono;
import reactor.kafka.sender.KafkaSender;
import reactor.kafka.sender.SenderOptions;
import reactor.kafka.sender.SenderRecord;

/** Test helper holding every reactor-kafka type, so that the tests calling it load without reactor-kafka. */
final class ReactorKafkaSenders {

    /** A {@link KafkaSenderSink} and the application's sender under it, closed by {@link #close()}. */
    record SinkOnSender(KafkaSink sink, Object sender, String topic) implements AutoCloseable {

        /** Sends one more record (the marker {@code after}) through the sender itself. */
        @SuppressWarnings("unchecked")
        boolean senderUsable() {
            KafkaSender<byte[], byte[]> kafkaSender = (KafkaSender<byte[], byte[]>) sender;
            return kafkaSender.send(Mono.just(SenderRecord.create(new ProducerRecord<>(topic,
                            "after".getBytes(StandardCharsets.UTF_8), new byte[0]), 0)))
                    .next().map(result -> result.exception() == null).block(Duration.ofSeconds(30));
        }

        @Override
        @SuppressWarnings("unchecked")
        public void close() {
            ((KafkaSender<byte[], byte[]>) sender).close();
        }
    }

    private ReactorKafkaSenders() {
    }

    /** An application's idempotent sender ({@code stopOnError(false)}, as a sender for a sink should be), and a sink on it. */
    static SinkOnSender sink(String bootstrapServers, String topic) {
        KafkaSender<byte[], byte[]> sender = KafkaSender.create(SenderOptions.<byte[], byte[]>create(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                        ProducerConfig.BATCH_SIZE_CONFIG, 1024))
                .stopOnError(false)
                .withKeySerializer(new ByteArraySerializer())
                .withValueSerializer(new ByteArraySerializer()));
        KafkaSink sink = KafkaSenderSink.create(sender, KafkaSinkOptions.builder().topic(topic).build());
        return new SinkOnSender(sink, sender, topic);
    }

    /**
     * A {@link KafkaSenderSink} on a sender whose producer has {@code producerConfig} (serializers excepted), for
     * measuring it beside a {@link KafkaSink} of the same configuration.
     */
    static SinkOnSender sink(Map<String, Object> producerConfig, KafkaSinkOptions mapping) {
        Map<String, Object> config = new java.util.HashMap<>(producerConfig);
        config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        KafkaSender<byte[], byte[]> sender = KafkaSender.create(SenderOptions.<byte[], byte[]>create(config)
                .stopOnError(false)
                .withKeySerializer(new ByteArraySerializer())
                .withValueSerializer(new ByteArraySerializer()));
        return new SinkOnSender(KafkaSenderSink.create(sender, mapping), sender, null);
    }
}
