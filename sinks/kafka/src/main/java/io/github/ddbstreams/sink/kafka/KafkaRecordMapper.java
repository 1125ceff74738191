package io.github.ddbstreams.sink.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.ItemKey;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Turns a {@link ChangeRecord} into a Kafka {@link ProducerRecord}: the topic from the selector, the key as the
 * canonical JSON of the item key ({@link ChangeRecord#itemKey()}: sorted by name, numbers by value), the value as Lambda event JSON or plain JSON of the
 * new image (or {@code null} for a tombstone), and the {@code ddb.*} headers. Stateless and thread-safe.
 */
final class KafkaRecordMapper {

    /* A bare JsonFactory (no ObjectMapper, no modules): the bytes must not depend on what else is on the classpath. */
    private static final JsonFactory JSON = new JsonFactory();

    private final Function<ChangeRecord, String> topicSelector;
    private final KafkaSinkOptions.ValueFormat valueFormat;
    private final boolean removeAsTombstone;

    KafkaRecordMapper(Function<ChangeRecord, String> topicSelector, KafkaSinkOptions.ValueFormat valueFormat,
            boolean removeAsTombstone) {
        this.topicSelector = topicSelector;
        this.valueFormat = valueFormat;
        this.removeAsTombstone = removeAsTombstone;
    }

    static KafkaRecordMapper of(KafkaSinkOptions options) {
        return new KafkaRecordMapper(options.topicSelector(), options.valueFormat(), options.removeAsTombstone());
    }

    /**
     * @throws IllegalArgumentException or another runtime exception when the record cannot be mapped (no topic, an
     *     attribute without a type): that record's failure
     */
    ProducerRecord<byte[], byte[]> toProducerRecord(ChangeRecord record) {
        String topic = topicSelector.apply(record);
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("the topic selector gave no topic for " + record);
        }
        return new ProducerRecord<>(topic, null, null, record.itemKey().toJsonBytes(), value(record), headers(record));
    }

    /**
     * The Kafka key of an item: its {@link ItemKey#toJson() canonical JSON}, e.g. {@code {"pk":"a","sk":5}}, so
     * every change of one item has the same key bytes (and partition) however its number key was written.
     */
    static byte[] key(Map<String, AttributeValue> keys) {
        return ItemKey.of(keys).toJsonBytes();
    }

    /** The Kafka value of the record, or {@code null} for a tombstone. */
    byte[] value(ChangeRecord record) {
        if (removeAsTombstone && record.eventName() == EventName.REMOVE) {
            return null;
        }
        if (valueFormat == KafkaSinkOptions.ValueFormat.NEW_IMAGE) {
            return plainJson(record.newImage());
        }
        return record.toLambdaEventJson().getBytes(StandardCharsets.UTF_8);
    }

    /** The {@code ddb.*} headers, UTF-8 strings. */
    static List<Header> headers(ChangeRecord record) {
        return List.of(
                header(KafkaSink.HEADER_EVENT_NAME, record.eventName().name()),
                header(KafkaSink.HEADER_SEQUENCE_NUMBER, record.sequenceNumber()),
                header(KafkaSink.HEADER_SHARD_ID, record.shardId()),
                header(KafkaSink.HEADER_EVENT_ID, record.eventId()));
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8));
    }

    /** An item as plain JSON, attributes in the item's order. */
    static byte[] plainJson(Map<String, AttributeValue> item) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writeObject(g, item, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeObject(JsonGenerator g, Map<String, AttributeValue> map, String path) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, AttributeValue> e : map.entrySet()) {
            g.writeFieldName(e.getKey());
            writePlain(g, e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey());
        }
        g.writeEndObject();
    }

    /*
     * Recursion is bounded by DynamoDB's nesting limit (32 levels). Numbers go through BigDecimal so that a malformed
     * N fails here (as this record's failure) instead of producing invalid JSON; the value is exact.
     */
    private static void writePlain(JsonGenerator g, AttributeValue value, String path) throws IOException {
        if (value == null || value.type() == null || value.type() == AttributeValue.Type.UNKNOWN_TO_SDK_VERSION) {
            throw new IllegalArgumentException("attribute " + path + " has no DynamoDB type");
        }
        switch (value.type()) {
            case S -> g.writeString(value.s());
            case N -> g.writeNumber(number(value.n(), path));
            case B -> writeBinary(g, value.b());
            case BOOL -> g.writeBoolean(value.bool());
            case NUL -> g.writeNull();
            case SS -> {
                g.writeStartArray();
                for (String s : value.ss()) {
                    g.writeString(s);
                }
                g.writeEndArray();
            }
            case NS -> {
                g.writeStartArray();
                for (String n : value.ns()) {
                    g.writeNumber(number(n, path));
                }
                g.writeEndArray();
            }
            case BS -> {
                g.writeStartArray();
                for (SdkBytes b : value.bs()) {
                    writeBinary(g, b);
                }
                g.writeEndArray();
            }
            case L -> {
                g.writeStartArray();
                int i = 0;
                for (AttributeValue element : value.l()) {
                    writePlain(g, element, path + "[" + i++ + "]");
                }
                g.writeEndArray();
            }
            case M -> writeObject(g, value.m(), path);
            default -> throw new IllegalArgumentException("attribute " + path + " has an unsupported type " + value.type());
        }
    }

    private static void writeBinary(JsonGenerator g, SdkBytes bytes) throws IOException {
        g.writeBinary(bytes.asByteArrayUnsafe());
    }

    private static BigDecimal number(String n, String path) {
        try {
            return new BigDecimal(n);
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException("attribute " + path + " has a malformed number", e);
        }
    }
}
