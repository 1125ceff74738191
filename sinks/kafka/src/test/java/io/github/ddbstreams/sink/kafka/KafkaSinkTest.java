package io.github.ddbstreams.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@link KafkaSink} over Kafka's {@link MockProducer}: per-record outcomes, order, threads, in-flight bound, disposal. */
class KafkaSinkTest {

    private static final String ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/orders/stream/2024-01-01T00:00:00.000";

    /** A MockProducer that remembers the threads {@code send} was called on. */
    private static final class MockProducerFactory {
        final Set<String> sendThreads = ConcurrentHashMap.newKeySet();
        final MockProducer<byte[], byte[]> producer;

        MockProducerFactory(boolean autoComplete) {
            producer = new MockProducer<>(autoComplete, new ByteArraySerializer(), new ByteArraySerializer()) {
                @Override
                public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
                    sendThreads.add(Thread.currentThread().getName());
                    return super.send(record, callback);
                }
            };
        }

        /** A sink that created this producer (so closes it on dispose). */
        KafkaSink sink(KafkaSinkOptions options) {
            return KafkaSink.create(options, config -> producer, true);
        }
    }

    private static ChangeRecord record(int i) {
        return ChangeRecord.builder().eventId("e" + i).eventName(EventName.INSERT).sequenceNumber(String.valueOf(100 + i))
                .shardId("shard-1").streamArn(ARN).keys(Map.of("pk", AttributeValue.fromS("k" + i % 3)))
                .newImage(Map.of("pk", AttributeValue.fromS("k" + i % 3), "i", AttributeValue.fromN(String.valueOf(i))))
                .build();
    }

    private static RecordBatch batch(int size) {
        return RecordBatch.of(IntStream.range(0, size).mapToObj(KafkaSinkTest::record).toList());
    }

    private static KafkaSinkOptions.Builder options() {
        return KafkaSinkOptions.builder().bootstrapServers("127.0.0.1:1");
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void write_whenEverySendIsAcknowledged_succeedsAndSendsInBatchOrder() {
        MockProducerFactory factory = new MockProducerFactory(true);
        KafkaSink sink = factory.sink(options().build());
        RecordBatch batch = batch(20);

        StepVerifier.create(sink.write(batch))
                .assertNext(result -> assertThat(result.isSuccess()).isTrue())
                .verifyComplete();

        // send can block (metadata, a full buffer): never on the subscriber's thread
        assertThat(factory.sendThreads).isNotEmpty().allSatisfy(name -> assertThat(name).startsWith("ddb-streams-kafka-kafka"));
        List<ProducerRecord<byte[], byte[]>> sent = factory.producer.history();
        assertThat(sent).hasSize(20);
        assertThat(sent).extracting(r -> header(r, KafkaSink.HEADER_SEQUENCE_NUMBER))
                .containsExactlyElementsOf(batch.records().stream().map(ChangeRecord::sequenceNumber).toList());
        assertThat(sent).allSatisfy(r -> assertThat(r.topic()).isEqualTo("orders"));
        sink.disposeLater().block(Duration.ofSeconds(10));
    }

    @Test
    void write_whenOneSendFails_reportsExactlyThatRecord() {
        MockProducerFactory factory = new MockProducerFactory(false);
        KafkaSink sink = factory.sink(options().build());
        RecordBatch batch = batch(5);

        Set<String> resultThreads = ConcurrentHashMap.newKeySet();

        StepVerifier.create(sink.write(batch).doOnNext(result -> resultThreads.add(Thread.currentThread().getName())))
                .then(() -> {
                    await().atMost(Duration.ofSeconds(10)).until(() -> factory.producer.history().size() == 5);
                    factory.producer.completeNext();
                    factory.producer.completeNext();
                    factory.producer.errorNext(new RecordTooLargeException("too large"));
                    factory.producer.completeNext();
                    factory.producer.completeNext();
                })
                .assertNext(result -> {
                    assertThat(result.failures()).hasSize(1);
                    assertThat(result.firstFailureIndex()).isEqualTo(2);
                    assertThat(result.failures().get(0).error()).isInstanceOf(RecordTooLargeException.class);
                })
                .verifyComplete();
        // the callbacks ran on this (the "I/O") thread; the result is emitted on the send scheduler
        assertThat(resultThreads).singleElement().asString().startsWith("ddb-streams-kafka-kafka");
        sink.disposeLater().block(Duration.ofSeconds(10));
    }

    @Test
    void write_withMoreRecordsThanMaxInFlight_keepsAtMostMaxInFlightUnacknowledged_andSendsTheRestInOrder() {
        MockProducerFactory factory = new MockProducerFactory(false);
        KafkaSink sink = factory.sink(options().maxInFlight(3).build());
        RecordBatch batch = batch(10);
        Mono<BatchResult> write = sink.write(batch).cache();
        write.subscribe();

        await().atMost(Duration.ofSeconds(10)).until(() -> factory.producer.history().size() == 3);
        StepVerifier.create(write).expectSubscription().expectNoEvent(Duration.ofMillis(200)).thenCancel().verify();
        assertThat(factory.producer.history()).hasSize(3);
        for (int acknowledged = 1; acknowledged <= 10; acknowledged++) {
            assertThat(factory.producer.completeNext()).isTrue();
            int expected = Math.min(10, acknowledged + 3);
            await().atMost(Duration.ofSeconds(10)).until(() -> factory.producer.history().size() == expected);
        }

        StepVerifier.create(write).assertNext(result -> assertThat(result.isSuccess()).isTrue()).verifyComplete();
        assertThat(factory.producer.history()).extracting(r -> header(r, KafkaSink.HEADER_SEQUENCE_NUMBER))
                .containsExactlyElementsOf(batch.records().stream().map(ChangeRecord::sequenceNumber).toList());
        sink.disposeLater().block(Duration.ofSeconds(10));
    }

    @Test
    void write_whenSendThrows_failsTheWrite() {
        MockProducerFactory factory = new MockProducerFactory(true);
        KafkaSink sink = factory.sink(options().build());
        factory.producer.close(); // MockProducer.send now throws IllegalStateException, as KafkaProducer does

        StepVerifier.create(sink.write(batch(2))).expectError(IllegalStateException.class).verify(Duration.ofSeconds(10));
        sink.disposeLater().block(Duration.ofSeconds(10));
    }

    @Test
    void producerPassedIn_isUsed_onTheGivenScheduler_andNeverClosed() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer());
        Scheduler scheduler = Schedulers.newSingle("given-scheduler");
        try {
            KafkaSink sink = KafkaSink.create(KafkaSinkOptions.builder().producer(producer).sendScheduler(scheduler).build());
            Set<String> resultThreads = ConcurrentHashMap.newKeySet();

            StepVerifier.create(sink.write(batch(4)).doOnNext(result -> resultThreads.add(Thread.currentThread().getName())))
                    .assertNext(result -> assertThat(result.isSuccess()).isTrue())
                    .verifyComplete();
            sink.disposeLater().block(Duration.ofSeconds(10));

            assertThat(producer.history()).hasSize(4);
            assertThat(resultThreads).singleElement().asString().startsWith("given-scheduler");
            assertThat(producer.closed()).isFalse();
            assertThat(scheduler.isDisposed()).isFalse();
        } finally {
            scheduler.dispose();
        }
    }

    @Test
    void create_whenItMustCreateTheProducerWithoutServers_namesBootstrapServers() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KafkaSink.create(KafkaSinkOptions.builder().build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bootstrapServers");
    }

    @Test
    void write_whenARecordCannotBeMapped_reportsItAndSendsTheOthers() {
        MockProducerFactory factory = new MockProducerFactory(true);
        KafkaSink sink = factory.sink(options()
                .topicSelector(r -> r.sequenceNumber().equals("101") ? null : "t").build());

        BatchResult result = sink.write(batch(3)).block(Duration.ofSeconds(10));

        assertThat(result.failures()).extracting(f -> f.record().sequenceNumber()).containsExactly("101");
        assertThat(factory.producer.history()).hasSize(2);
        sink.disposeLater().block(Duration.ofSeconds(10));
    }

    @Test
    void write_withAnEmptyBatch_succeedsWithoutSending() {
        MockProducerFactory factory = new MockProducerFactory(true);
        KafkaSink sink = factory.sink(options().build());
        StepVerifier.create(sink.write(RecordBatch.of(List.of())))
                .assertNext(result -> assertThat(result.isSuccess()).isTrue())
                .verifyComplete();
        assertThat(factory.producer.history()).isEmpty();
    }

    @Test
    void disposeLater_waitsForTheWriteInFlight_thenClosesTheProducer_andRefusesNewWrites() {
        MockProducerFactory factory = new MockProducerFactory(false);
        KafkaSink sink = factory.sink(options().build());
        Mono<BatchResult> write = sink.write(batch(2)).cache();
        write.subscribe();
        await().atMost(Duration.ofSeconds(10)).until(() -> factory.producer.history().size() == 2);

        Mono<Void> disposal = sink.disposeLater().cache();
        disposal.subscribe();
        StepVerifier.create(disposal).expectSubscription().expectNoEvent(Duration.ofMillis(200)).thenCancel().verify();
        assertThat(factory.producer.closed()).isFalse();

        factory.producer.completeNext();
        factory.producer.completeNext();
        StepVerifier.create(write).assertNext(result -> assertThat(result.isSuccess()).isTrue()).verifyComplete();
        disposal.block(Duration.ofSeconds(10));
        assertThat(factory.producer.closed()).isTrue();

        StepVerifier.create(sink.write(batch(1))).expectError(IllegalStateException.class).verify(Duration.ofSeconds(5));
        assertThat(sink.disposeLater().block(Duration.ofSeconds(5))).isNull();
    }
}
