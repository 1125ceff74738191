package io.github.ddbstreams.sink.kafka;

import java.util.Objects;

import reactor.kafka.sender.KafkaSender;

/**
 * A {@link KafkaSink} on an application's reactor-kafka {@link KafkaSender}, for applications that already have
 * one. reactor-kafka is an optional dependency of this module: declare it yourself to use this class; nothing else
 * in the sink loads a reactor-kafka class, so {@link KafkaSink#create(KafkaSinkOptions)} runs without it (and with
 * kafka-clients 4.x, where reactor-kafka 1.3's receiving side no longer works).
 *
 * <p>The sender must take {@code byte[]} keys and values and should be idempotent with {@code acks=all}. Its
 * {@code SenderOptions} decide what the sink's producer options decide otherwise: the producer configuration,
 * {@code maxInFlight} and the scheduler results are emitted on; of the {@link KafkaSinkOptions} only the mapping
 * (topic, value format, tombstones), the name and the meters apply, and {@code bootstrapServers},
 * {@code producerProperties} and {@code producer} must be left unset. Each record's outcome is reported whatever the
 * sender's {@code stopOnError}. The sink never closes the sender: {@link KafkaSink#disposeLater()} waits for its
 * writes in flight and leaves the sender to its owner.
 *
 * <pre>{@code
 * KafkaSender<byte[], byte[]> sender = KafkaSender.create(SenderOptions.<byte[], byte[]>create(producerConfig)
 *         .stopOnError(false));
 * KafkaSink sink = KafkaSenderSink.create(sender, KafkaSinkOptions.builder().topic("orders-cdc").build());
 * }</pre>
 */
public final class KafkaSenderSink {

    private KafkaSenderSink() {
    }

    /**
     * A sink writing with {@code sender}, which it never closes.
     *
     * @throws IllegalArgumentException when the options set {@code bootstrapServers}, {@code producerProperties} or
     *     {@code producer}, which belong to the sender here
     */
    public static KafkaSink create(KafkaSender<byte[], byte[]> sender, KafkaSinkOptions options) {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(options, "options");
        if (options.producer() != null || options.bootstrapServers() != null || !options.producerProperties().isEmpty()) {
            throw new IllegalArgumentException("bootstrapServers, producerProperties and producer must not be set with a "
                    + "KafkaSender: the sender's SenderOptions configure its producer");
        }
        return new KafkaSink(options, new ReactorKafkaRecordSender(sender));
    }
}
