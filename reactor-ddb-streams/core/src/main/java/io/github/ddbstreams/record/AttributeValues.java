package io.github.ddbstreams.record;

import java.util.Map;

import software.amazon.awssdk.enhanced.dynamodb.document.EnhancedDocument;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Conversions of DynamoDB {@link AttributeValue}s to plain Java values.
 *
 * <p>Mapping: S → {@code String}; N → {@code BigDecimal} (exact, scale kept as written); B → read-only
 * {@code ByteBuffer}; BOOL → {@code Boolean}; NULL → {@code null}; SS → {@code Set<String>}; NS →
 * {@code Set<BigDecimal>}; BS → {@code Set<ByteBuffer>}; L → {@code List<Object>}; M →
 * {@code Map<String, Object>}. Sets and maps keep DynamoDB's order; every collection returned is
 * unmodifiable.
 *
 * <pre>{@code
 * Map<String, Object> item = AttributeValues.toJava(record.newImage());
 * BigDecimal price = (BigDecimal) item.get("price");
 * }</pre>
 */
public final class AttributeValues {

    private AttributeValues() {
    }

    /** Converts an item (or image, or key) to plain Java values; an empty map for null or empty input. */
    public static Map<String, Object> toJava(Map<String, AttributeValue> item) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Converts one attribute value to a plain Java value.
     *
     * @throws IllegalArgumentException when the value has no type set (an SDK value built empty)
     */
    public static Object toJava(AttributeValue value) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Wraps an item in the SDK's {@link EnhancedDocument}; an empty document for null or empty input. */
    public static EnhancedDocument toDocument(Map<String, AttributeValue> item) {
        throw new UnsupportedOperationException("TODO");
    }
}
