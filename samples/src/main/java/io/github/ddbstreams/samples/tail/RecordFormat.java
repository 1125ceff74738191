package io.github.ddbstreams.samples.tail;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.ddbstreams.record.AttributeValues;
import io.github.ddbstreams.record.ChangeRecord;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * How {@link Tail} prints one record: always one line of JSON.
 *
 * <p>{@link #IMAGE} and {@link #KEYS} write DynamoDB values as plain JSON (see {@link AttributeValues} for the
 * mapping): numbers as JSON numbers written in full (never in exponent form, never rounded), sets and lists as
 * arrays, binary as base64 strings, NULL as {@code null}.
 */
enum RecordFormat {

    /** The record as a Lambda function receives it: {@link ChangeRecord#toLambdaEventJson()}. */
    LAMBDA {
        @Override
        String format(ChangeRecord record) {
            return record.toLambdaEventJson();
        }
    },

    /**
     * The new image as plain JSON, e.g. {@code {"pk":"order-1","amount":12.5,"tags":["a","b"]}}; {@code null}
     * for a record without one (a REMOVE, or a stream whose view type holds no new image).
     */
    IMAGE {
        @Override
        String format(ChangeRecord record) {
            return record.newImage().isEmpty() ? "null" : plainJson(record.newImage());
        }
    },

    /** The keys as plain JSON, e.g. {@code {"pk":"order-1"}}. */
    KEYS {
        @Override
        String format(ChangeRecord record) {
            return plainJson(record.keys());
        }
    };

    private static final JsonMapper PLAIN = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    /** The record as one line of JSON. */
    abstract String format(ChangeRecord record);

    /** An item as plain JSON (one line); BigDecimal numbers stay exact, byte buffers become base64. */
    static String plainJson(Map<String, AttributeValue> item) {
        try {
            return PLAIN.writeValueAsString(AttributeValues.toJava(item));
        } catch (JsonProcessingException e) {
            // Only plain maps, lists, strings, numbers, booleans and byte buffers reach the mapper.
            throw new IllegalStateException("cannot write the item as JSON", e);
        }
    }
}
