package io.github.ddbstreams.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaSinkOptionsTest {

    private static KafkaSinkOptions.Builder valid() {
        return KafkaSinkOptions.builder().bootstrapServers("localhost:9092");
    }

    @Test
    void producerConfig_byDefault_isIdempotentAllAcksAtMostFiveInFlightWithBoundedTimeouts() {
        Map<String, Object> config = valid().producerProperty("compression.type", "lz4").build().producerConfig();
        assertThat(config)
                .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5)
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000)
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000)
                .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000L)
                .containsEntry(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)
                .containsEntry(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)
                .containsEntry("compression.type", "lz4");
    }

    @Test
    void build_whenOnlyProducerPropertiesHoldTheServers_accepts() {
        KafkaSinkOptions options = KafkaSinkOptions.builder()
                .producerProperties(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "b:9092", ProducerConfig.ACKS_CONFIG, "-1"))
                .build();
        assertThat(options.producerConfig()).containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "b:9092");
    }

    @Test
    void build_withAProducerAndServersOrProperties_namesBoth() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer());
        assertThatThrownBy(() -> KafkaSinkOptions.builder().producer(producer).bootstrapServers("b:9092").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bootstrapServers").hasMessageContaining("producer");
        assertThatThrownBy(() -> KafkaSinkOptions.builder().producer(producer).producerProperty("linger.ms", 1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("producerProperties");
        assertThat(KafkaSinkOptions.builder().producer(producer).build().producer()).isSameAs(producer);
        assertThatThrownBy(() -> KafkaSinkOptions.builder().bootstrapServers(" ").build()).hasMessageContaining("bootstrapServers");
    }

    @Test
    void build_whenPropertiesBreakIdempotenceOrOrder_namesTheProperty() {
        assertThatThrownBy(() -> valid().producerProperty("acks", "1").build()).hasMessageContaining("producerProperties[acks]");
        assertThatThrownBy(() -> valid().producerProperty("enable.idempotence", false).build())
                .hasMessageContaining("producerProperties[enable.idempotence]");
        assertThatThrownBy(() -> valid().producerProperty("max.in.flight.requests.per.connection", 6).build())
                .hasMessageContaining("producerProperties[max.in.flight.requests.per.connection]");
        assertThatThrownBy(() -> valid().producerProperty("value.serializer", StringSerializer.class).build())
                .hasMessageContaining("producerProperties[value.serializer]");
        assertThatThrownBy(() -> valid().producerProperty("transactional.id", "t").build())
                .hasMessageContaining("producerProperties[transactional.id]");
        assertThat(valid().producerProperty("max.in.flight.requests.per.connection", "3").build().producerConfig())
                .containsEntry("max.in.flight.requests.per.connection", "3");
    }

    @Test
    void build_whenNumbersOrTimeoutsAreOutOfRange_namesTheOption() {
        assertThatThrownBy(() -> valid().maxInFlight(0).build()).hasMessageContaining("maxInFlight");
        assertThatThrownBy(() -> valid().requestTimeout(Duration.ZERO).build()).hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> valid().deliveryTimeout(Duration.ofSeconds(10)).requestTimeout(Duration.ofSeconds(20)).build())
                .hasMessageContaining("deliveryTimeout");
        assertThatThrownBy(() -> valid().maxBlock(Duration.ofMillis(-1)).build()).hasMessageContaining("maxBlock");
        assertThatThrownBy(() -> valid().linger(Duration.ofMillis(-1)).build()).hasMessageContaining("linger");
        assertThatThrownBy(() -> valid().name(" ").build()).hasMessageContaining("name");
        assertThatThrownBy(() -> valid().topic(" ")).hasMessageContaining("topic");
    }

    @Test
    void toString_showsPropertyNamesButNotTheirValues() {
        String text = valid().producerProperty("sasl.jaas.config", "secret-password").build().toString();
        assertThat(text).contains("sasl.jaas.config").doesNotContain("secret-password");
    }

    @Test
    void toBuilder_keepsEveryOption() {
        KafkaSinkOptions options = valid().valueFormat(KafkaSinkOptions.ValueFormat.NEW_IMAGE).removeAsTombstone(true)
                .maxInFlight(7).topic("t").name("cdc").producerProperty("linger.ms", 1).build();
        KafkaSinkOptions copy = options.toBuilder().build();
        assertThat(copy.toString()).isEqualTo(options.toString());
        assertThat(copy.topicSelector()).isSameAs(options.topicSelector());
    }

    @Test
    void tableName_ofAStreamArn_isTheTable_andAnythingElseIsRejected() {
        assertThat(KafkaSinkOptions.tableName("arn:aws:dynamodb:us-east-1:123456789012:table/my.orders-2/stream/2024-01-01T00:00:00.000"))
                .isEqualTo("my.orders-2");
        assertThatThrownBy(() -> KafkaSinkOptions.tableName("arn:aws:dynamodb:us-east-1:123456789012:table/orders"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
