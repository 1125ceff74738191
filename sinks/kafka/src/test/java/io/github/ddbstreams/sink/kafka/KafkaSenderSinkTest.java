package io.github.ddbstreams.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.IntStream;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.kafka.sender.KafkaOutbound;
import reactor.kafka.sender.KafkaSender;
import reactor.kafka.sender.SenderRecord;
import reactor.kafka.sender.SenderResult;
import reactor.kafka.sender.TransactionManager;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@link KafkaSenderSink} over a scripted {@link KafkaSender} (reactor-kafka's public interface only). */
class KafkaSenderSinkTest {

    private static final String ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/orders/stream/2024-01-01T00:00:00.000";

    /** Answers each record with the outcome {@code script} gives for its position; can end early as stopOnError does. */
    private static final class ScriptedSender implements KafkaSender<byte[], byte[]> {
        final List<SenderRecord<byte[], byte[], ?>> sent = new ArrayList<>();
        final Function<Integer, Exception> script;
        final boolean stopOnError;
        final AtomicBoolean closed = new AtomicBoolean();
        final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer());

        ScriptedSender(boolean stopOnError, Function<Integer, Exception> script) {
            this.stopOnError = stopOnError;
            this.script = script;
        }

        @Override
        public <T> Flux<SenderResult<T>> send(Publisher<? extends SenderRecord<byte[], byte[], T>> records) {
            return Flux.<SenderRecord<byte[], byte[], T>>from(records).concatMap(record -> {
                int position = sent.size();
                sent.add(record);
                Exception error = script.apply(position);
                if (error != null && stopOnError) {
                    return Mono.error(error);
                }
                return Mono.just(result(record.correlationMetadata(), error));
            });
        }

        private static <T> SenderResult<T> result(T correlation, Exception error) {
            return new SenderResult<>() {
                @Override
                public RecordMetadata recordMetadata() {
                    return null;
                }

                @Override
                public Exception exception() {
                    return error;
                }

                @Override
                public T correlationMetadata() {
                    return correlation;
                }
            };
        }

        @Override
        public <T> Mono<T> doOnProducer(Function<Producer<byte[], byte[]>, ? extends T> function) {
            return Mono.fromSupplier(() -> function.apply(producer));
        }

        @Override
        public void close() {
            closed.set(true);
        }

        @Override
        public <T> Flux<Flux<SenderResult<T>>> sendTransactionally(
                Publisher<? extends Publisher<? extends SenderRecord<byte[], byte[], T>>> records) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TransactionManager transactionManager() {
            throw new UnsupportedOperationException();
        }

        @Override
        public KafkaOutbound<byte[], byte[]> createOutbound() {
            throw new UnsupportedOperationException();
        }
    }

    private static RecordBatch batch(int size) {
        return RecordBatch.of(IntStream.range(0, size).mapToObj(i -> ChangeRecord.builder().eventId("e" + i)
                .eventName(EventName.INSERT).sequenceNumber(String.valueOf(100 + i)).shardId("shard-1").streamArn(ARN)
                .keys(Map.of("pk", AttributeValue.fromS("k" + i))).newImage(Map.of("pk", AttributeValue.fromS("k" + i)))
                .build()).toList());
    }

    private static KafkaSinkOptions options() {
        return KafkaSinkOptions.builder().build();
    }

    @Test
    void write_sendsInBatchOrder_reportsEachFailedRecord_andNeverClosesTheSender() {
        ScriptedSender sender = new ScriptedSender(false, i -> i == 1 || i == 3 ? new RecordTooLargeException("big") : null);
        KafkaSink sink = KafkaSenderSink.create(sender, options());
        RecordBatch batch = batch(5);

        BatchResult result = sink.write(batch).block(Duration.ofSeconds(10));

        assertThat(sender.sent).extracting(r -> r.topic()).containsOnly("orders");
        assertThat(result.failures()).extracting(f -> f.record().sequenceNumber()).containsExactly("101", "103");
        assertThat(result.failures()).allSatisfy(f -> assertThat(f.error()).isInstanceOf(RecordTooLargeException.class));
        sink.disposeLater().block(Duration.ofSeconds(10));
        assertThat(sender.closed).isFalse();
    }

    @Test
    void write_whenTheSenderStopsOnTheFirstError_failsThatRecordAndEveryOneWithoutAResult() {
        ScriptedSender sender = new ScriptedSender(true, i -> i == 2 ? new RecordTooLargeException("big") : null);
        KafkaSink sink = KafkaSenderSink.create(sender, options());

        BatchResult result = sink.write(batch(5)).block(Duration.ofSeconds(10));

        // 0 and 1 were acknowledged; 2 failed; 3 and 4 were never sent, so they are not counted as written
        assertThat(result.firstFailureIndex()).isEqualTo(2);
        assertThat(result.failures()).extracting(f -> f.record().sequenceNumber()).containsExactly("102", "103", "104");
        assertThat(result.failures()).allSatisfy(f -> assertThat(f.error()).isInstanceOf(RecordTooLargeException.class));
    }

    @Test
    void create_withProducerSettingsInTheOptions_refusesThem() {
        ScriptedSender sender = new ScriptedSender(false, i -> null);
        assertThatThrownBy(() -> KafkaSenderSink.create(sender, KafkaSinkOptions.builder().bootstrapServers("b:9092").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bootstrapServers");
        assertThatThrownBy(() -> KafkaSenderSink.create(sender, KafkaSinkOptions.builder().producerProperty("linger.ms", 1).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("producerProperties");
    }
}
