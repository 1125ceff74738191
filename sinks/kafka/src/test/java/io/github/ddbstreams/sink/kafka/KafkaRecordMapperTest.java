package io.github.ddbstreams.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class KafkaRecordMapperTest {

    private static final String ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/orders/stream/2024-01-01T00:00:00.000";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ChangeRecord record(EventName eventName, Map<String, AttributeValue> keys, Map<String, AttributeValue> newImage) {
        return ChangeRecord.builder()
                .eventId("event-1").eventName(eventName).sequenceNumber("123456789012345678901234567890")
                .shardId("shardId-0001").streamArn(ARN).keys(keys).newImage(newImage)
                .build();
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void key_whenAttributesComeInAnyOrder_isTheSameJsonSortedByName() {
        Map<String, AttributeValue> forward = new LinkedHashMap<>();
        forward.put("pk", AttributeValue.fromS("a"));
        forward.put("created", AttributeValue.fromN("5"));
        Map<String, AttributeValue> backward = new LinkedHashMap<>();
        backward.put("created", AttributeValue.fromN("5"));
        backward.put("pk", AttributeValue.fromS("a"));

        assertThat(utf8(KafkaRecordMapper.key(forward))).isEqualTo("{\"created\":5,\"pk\":\"a\"}");
        assertThat(KafkaRecordMapper.key(backward)).isEqualTo(KafkaRecordMapper.key(forward));
    }

    @Test
    void key_withBinaryAndEscapedStrings_writesBase64AndValidJson() throws Exception {
        byte[] key = KafkaRecordMapper.key(Map.of(
                "id", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 3})),
                "name", AttributeValue.fromS("quote \" and ü")));
        JsonNode node = JSON.readTree(key);
        assertThat(node.get("id").asText()).isEqualTo("AQID");
        assertThat(node.get("name").asText()).isEqualTo("quote \" and ü");
    }

    @Test
    void key_forOneNumberWrittenInDifferentForms_isIdentical() {
        // DynamoDB reads all of these as the number 1: one item, so one Kafka key and one partition
        byte[] plain = KafkaRecordMapper.key(Map.of("pk", AttributeValue.fromN("1")));
        for (String form : List.of("1.0", "10E-1", "1.000", "0.1E1", "+1", "001", "100e-2")) {
            assertThat(utf8(KafkaRecordMapper.key(Map.of("pk", AttributeValue.fromN(form))))).as(form)
                    .isEqualTo(utf8(plain)).isEqualTo("{\"pk\":1}");
        }
        Map<String, AttributeValue> withSortKey = new LinkedHashMap<>();
        withSortKey.put("sk", AttributeValue.fromN("2.50E+1"));
        withSortKey.put("pk", AttributeValue.fromS("a"));
        assertThat(utf8(KafkaRecordMapper.key(withSortKey))).isEqualTo("{\"pk\":\"a\",\"sk\":25}");
        assertThat(utf8(KafkaRecordMapper.key(Map.of("pk", AttributeValue.fromN("-0.0")))))
                .isEqualTo(utf8(KafkaRecordMapper.key(Map.of("pk", AttributeValue.fromN("0"))))).isEqualTo("{\"pk\":0}");
    }

    @Test
    void toProducerRecord_forOneItemsChangesWithNumberKeysInDifferentForms_givesOneKeyAndSoOnePartition() {
        KafkaRecordMapper mapper = new KafkaRecordMapper(r -> "t", KafkaSinkOptions.ValueFormat.LAMBDA_EVENT, false);
        List<Integer> partitions = new ArrayList<>();
        for (String form : List.of("1", "1.0", "10E-1")) {
            Map<String, AttributeValue> keys = Map.of("pk", AttributeValue.fromN(form), "sk", AttributeValue.fromS("x"));
            byte[] key = mapper.toProducerRecord(record(EventName.MODIFY, keys, keys)).key();
            assertThat(utf8(key)).isEqualTo("{\"pk\":1,\"sk\":\"x\"}");
            // what Kafka's default partitioner does with a keyed record, here over 12 partitions
            partitions.add(Utils.toPositive(Utils.murmur2(key)) % 12);
        }
        assertThat(partitions).containsOnly(partitions.get(0));
    }

    @Test
    void key_forOrdinaryKeys_isTheSameBytesAsBefore() {
        // keys already written in their plain, shortest form keep the exact bytes (and partitions) of earlier releases
        assertThat(utf8(KafkaRecordMapper.key(Map.of("pk", AttributeValue.fromS("order-17"))))).isEqualTo("{\"pk\":\"order-17\"}");
        assertThat(utf8(KafkaRecordMapper.key(Map.of("pk", AttributeValue.fromN("42"))))).isEqualTo("{\"pk\":42}");
        assertThat(utf8(KafkaRecordMapper.key(Map.of("pk", AttributeValue.fromN("-3.25"))))).isEqualTo("{\"pk\":-3.25}");
        assertThat(utf8(KafkaRecordMapper.key(Map.of("pk", AttributeValue.fromN("1000"))))).isEqualTo("{\"pk\":1000}");
        assertThat(utf8(KafkaRecordMapper.key(Map.of()))).isEqualTo("{}");
    }

    @Test
    void key_forBinaryKeys_dependsOnTheBytesOnly() {
        ByteBuffer offset = ByteBuffer.wrap(new byte[] {9, 9, 1, 2, 3});
        offset.position(2);
        byte[] fromBuffer = KafkaRecordMapper.key(Map.of("pk", AttributeValue.fromB(SdkBytes.fromByteBuffer(offset))));
        byte[] fromArray = KafkaRecordMapper.key(Map.of("pk", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 3}))));
        assertThat(utf8(fromBuffer)).isEqualTo(utf8(fromArray)).isEqualTo("{\"pk\":\"AQID\"}");
    }

    @Test
    void value_lambdaEventFormat_isTheRecordsLambdaEventJson() {
        ChangeRecord record = record(EventName.INSERT, Map.of("pk", AttributeValue.fromS("a")),
                Map.of("pk", AttributeValue.fromS("a"), "n", AttributeValue.fromN("1.50")));
        KafkaRecordMapper mapper = new KafkaRecordMapper(r -> "t", KafkaSinkOptions.ValueFormat.LAMBDA_EVENT, false);
        assertThat(utf8(mapper.value(record))).isEqualTo(record.toLambdaEventJson());
    }

    @Test
    void value_newImageFormat_isPlainJsonWithExactNumbersSetsAndBase64() throws Exception {
        Map<String, AttributeValue> image = new LinkedHashMap<>();
        image.put("pk", AttributeValue.fromS("a"));
        image.put("price", AttributeValue.fromN("1.50"));
        image.put("big", AttributeValue.fromN("12345678901234567890123456789012345678"));
        image.put("ok", AttributeValue.fromBool(true));
        image.put("none", AttributeValue.fromNul(true));
        image.put("tags", AttributeValue.fromSs(List.of("x", "y")));
        image.put("sizes", AttributeValue.fromNs(List.of("1", "2.5")));
        image.put("blobs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {(byte) 0xff}))));
        image.put("data", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 3})));
        image.put("nested", AttributeValue.fromM(Map.of("list", AttributeValue.fromL(List.of(
                AttributeValue.fromS("s"), AttributeValue.fromN("7"))))));
        ChangeRecord record = record(EventName.MODIFY, Map.of("pk", AttributeValue.fromS("a")), image);
        KafkaRecordMapper mapper = new KafkaRecordMapper(r -> "t", KafkaSinkOptions.ValueFormat.NEW_IMAGE, false);

        assertThat(utf8(mapper.value(record))).isEqualTo("{\"pk\":\"a\",\"price\":1.50,"
                + "\"big\":12345678901234567890123456789012345678,\"ok\":true,\"none\":null,\"tags\":[\"x\",\"y\"],"
                + "\"sizes\":[1,2.5],\"blobs\":[\"/w==\"],\"data\":\"AQID\",\"nested\":{\"list\":[\"s\",7]}}");
    }

    @Test
    void value_whenRemoveAndTombstonesOn_isNull_andOtherwiseAValue() {
        ChangeRecord remove = record(EventName.REMOVE, Map.of("pk", AttributeValue.fromS("a")), Map.of());
        ChangeRecord insert = record(EventName.INSERT, Map.of("pk", AttributeValue.fromS("a")), Map.of("pk", AttributeValue.fromS("a")));
        KafkaRecordMapper tombstones = new KafkaRecordMapper(r -> "t", KafkaSinkOptions.ValueFormat.NEW_IMAGE, true);
        KafkaRecordMapper noTombstones = new KafkaRecordMapper(r -> "t", KafkaSinkOptions.ValueFormat.NEW_IMAGE, false);

        assertThat(tombstones.value(remove)).isNull();
        assertThat(utf8(tombstones.value(insert))).isEqualTo("{\"pk\":\"a\"}");
        assertThat(utf8(noTombstones.value(remove))).isEqualTo("{}");
        assertThat(new KafkaRecordMapper(r -> "t", KafkaSinkOptions.ValueFormat.LAMBDA_EVENT, false).value(remove)).isNotNull();
    }

    @Test
    void toProducerRecord_setsTopicKeyAndUtf8Headers() {
        ChangeRecord record = record(EventName.MODIFY, Map.of("pk", AttributeValue.fromS("a")), Map.of("pk", AttributeValue.fromS("a")));
        KafkaRecordMapper mapper = KafkaRecordMapper.of(KafkaSinkOptions.builder().bootstrapServers("localhost:9092").build());

        ProducerRecord<byte[], byte[]> producerRecord = mapper.toProducerRecord(record);

        assertThat(producerRecord.topic()).isEqualTo("orders");
        assertThat(producerRecord.partition()).isNull();
        assertThat(utf8(producerRecord.key())).isEqualTo("{\"pk\":\"a\"}");
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : producerRecord.headers()) {
            headers.put(header.key(), utf8(header.value()));
        }
        assertThat(headers).containsExactly(
                Map.entry(KafkaSink.HEADER_EVENT_NAME, "MODIFY"),
                Map.entry(KafkaSink.HEADER_SEQUENCE_NUMBER, "123456789012345678901234567890"),
                Map.entry(KafkaSink.HEADER_SHARD_ID, "shardId-0001"),
                Map.entry(KafkaSink.HEADER_EVENT_ID, "event-1"));
    }

    @Test
    void toProducerRecord_whenSelectorGivesNoTopicOrAttributeIsUntyped_throws() {
        ChangeRecord record = record(EventName.INSERT, Map.of("pk", AttributeValue.fromS("a")), Map.of("pk", AttributeValue.fromS("a")));
        assertThatThrownBy(() -> new KafkaRecordMapper(r -> null, KafkaSinkOptions.ValueFormat.LAMBDA_EVENT, false)
                .toProducerRecord(record)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topic");

        ChangeRecord untyped = record(EventName.INSERT, Map.of("pk", AttributeValue.fromS("a")),
                Map.of("pk", AttributeValue.fromS("a"), "bad", AttributeValue.builder().build()));
        assertThatThrownBy(() -> new KafkaRecordMapper(r -> "t", KafkaSinkOptions.ValueFormat.NEW_IMAGE, false)
                .toProducerRecord(untyped)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad");
    }
}
