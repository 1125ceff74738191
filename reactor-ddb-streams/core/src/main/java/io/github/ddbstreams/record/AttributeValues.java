package io.github.ddbstreams.record;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import software.amazon.awssdk.core.SdkBytes;
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
 *
 * <p>All methods are stateless and thread-safe.
 */
public final class AttributeValues {

    /** The least exponent of a non-zero DynamoDB number's leading digit: the smallest magnitude is 1E-130. */
    static final int MIN_NUMBER_EXPONENT = -130;
    /** The greatest exponent of a DynamoDB number's leading digit: magnitudes stay below 1E+126. */
    static final int MAX_NUMBER_EXPONENT = 125;

    private AttributeValues() {
    }

    /**
     * Converts an item (or image, or key) to plain Java values; an empty map for null or empty input.
     *
     * <p>The result is an unmodifiable map in the item's order; it holds {@code null} for NULL attributes.
     *
     * <pre>{@code
     * Map<String, Object> item = AttributeValues.toJava(record.newImage());
     * }</pre>
     *
     * @param item the attribute values by name, may be null
     * @return the plain Java values by name, never null
     * @throws IllegalArgumentException naming the attribute path (e.g. {@code address.lines[2]}) when a
     *     value, at any depth, has no type set or holds a malformed number
     */
    public static Map<String, Object> toJava(Map<String, AttributeValue> item) {
        if (item == null || item.isEmpty()) {
            return Collections.emptyMap();
        }
        return convertMap(item, new AttributePath());
    }

    /**
     * Converts one attribute value to a plain Java value.
     *
     * <pre>{@code
     * BigDecimal n = (BigDecimal) AttributeValues.toJava(AttributeValue.fromN("1.50")); // scale 2
     * }</pre>
     *
     * @param value the attribute value, not null
     * @return the plain Java value; {@code null} for a NULL attribute
     * @throws IllegalArgumentException when the value has no type set (an SDK value built empty)
     */
    public static Object toJava(AttributeValue value) {
        Objects.requireNonNull(value, "value");
        return convert(value, new AttributePath());
    }

    /**
     * Wraps an item in the SDK's {@link EnhancedDocument}; an empty document for null or empty input.
     *
     * <p>The document uses the SDK's default attribute converters, so {@code getString}, {@code getNumber},
     * {@code getStringSet}, {@code getMapOfUnknownType}, {@code getJson} and friends work as documented
     * by the enhanced client.
     *
     * <pre>{@code
     * EnhancedDocument doc = AttributeValues.toDocument(record.newImage());
     * String name = doc.getString("name");
     * }</pre>
     *
     * @param item the attribute values by name, may be null
     * @return the document, never null
     */
    public static EnhancedDocument toDocument(Map<String, AttributeValue> item) {
        // fromAttributeValueMap registers the default converter provider itself; a bare builder() would
        // produce a document whose typed getters fail for lack of converters.
        return EnhancedDocument.fromAttributeValueMap(item == null ? Collections.emptyMap() : item);
    }

    /**
     * The canonical text of a DynamoDB number: equal for every way of writing one value, as DynamoDB itself
     * treats them ({@code 1}, {@code 1.0}, {@code 10E-1} and {@code +1.000} are one number, so one key).
     *
     * <p>The form: the value without trailing zeros, in plain notation (no exponent), with a leading {@code -}
     * for negative values and no {@code +}; zero in any form ({@code 0.0}, {@code -0}, {@code 0E+5}) is
     * {@code 0}. So {@code 1.50} gives {@code 1.5}, {@code 1E+3} gives {@code 1000}, {@code 2.5E-3} gives
     * {@code 0.0025}; a number already written this way is returned unchanged. DynamoDB numbers (up to 38
     * significant digits, magnitudes from 1E-130 to below 1E+126) thus give at most about 170 characters. A
     * value outside that range (which DynamoDB rejects, so no stream carries one) keeps exponent notation
     * ({@code 1E+200}) instead of growing without bound; it cannot equal a plain form, which has no {@code E}.
     * Digits are never rounded: values that differ in any digit give different texts.
     *
     * <pre>{@code
     * AttributeValues.canonicalNumber("10E-1") // "1"
     * AttributeValues.canonicalNumber("-0.0")  // "0"
     * }</pre>
     *
     * @param n the number as DynamoDB's {@code N} string, not null
     * @return the canonical text, never null
     * @throws IllegalArgumentException when {@code n} is not a number
     */
    public static String canonicalNumber(String n) {
        Objects.requireNonNull(n, "n");
        BigDecimal value;
        try {
            value = new BigDecimal(n);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + n + "' is not a number", e);
        }
        if (value.signum() == 0) {
            return "0";
        }
        BigDecimal stripped = value.stripTrailingZeros();
        // the exponent of the leading digit in scientific notation: 0 for 1.5, 3 for 1E+3, -3 for 0.0025
        long exponent = (long) stripped.precision() - stripped.scale() - 1;
        if (exponent >= MIN_NUMBER_EXPONENT && exponent <= MAX_NUMBER_EXPONENT) {
            return stripped.toPlainString();
        }
        return stripped.toString();
    }

    /*
     * Recursion is bounded by DynamoDB's own nesting limit (32 levels), so it does not threaten the stack;
     * every level allocates only its own collection, so the work is linear in the size of the item.
     */
    private static Object convert(AttributeValue value, AttributePath path) {
        if (value == null) {
            throw path.error("is null (a Java null, not a DynamoDB NULL)");
        }
        AttributeValue.Type type = value.type();
        if (type == null) {
            throw path.untyped(null);
        }
        switch (type) {
            case S:
                return value.s();
            case N:
                return number(value.n(), path);
            case B:
                return bytes(value.b());
            case BOOL:
                return value.bool();
            case NUL:
                return null;
            case SS:
                return stringSet(value.ss());
            case NS:
                return numberSet(value.ns(), path);
            case BS:
                return bytesSet(value.bs());
            case L:
                return convertList(value.l(), path);
            case M:
                return convertMap(value.m(), path);
            default:
                throw path.untyped(type);
        }
    }

    private static Map<String, Object> convertMap(Map<String, AttributeValue> map, AttributePath path) {
        // LinkedHashMap, not Map.copyOf: NULL attributes become null values, which Map.of rejects.
        Map<String, Object> result = new LinkedHashMap<>(capacity(map.size()));
        for (Map.Entry<String, AttributeValue> e : map.entrySet()) {
            path.pushKey(e.getKey());
            result.put(e.getKey(), convert(e.getValue(), path));
            path.pop();
        }
        return Collections.unmodifiableMap(result);
    }

    private static List<Object> convertList(List<AttributeValue> list, AttributePath path) {
        List<Object> result = new ArrayList<>(list.size());
        int i = 0;
        for (AttributeValue element : list) {
            path.pushIndex(i++);
            result.add(convert(element, path));
            path.pop();
        }
        return Collections.unmodifiableList(result);
    }

    private static BigDecimal number(String n, AttributePath path) {
        if (n == null) {
            throw path.error("has a null number");
        }
        try {
            // new BigDecimal(String) is exact and keeps the scale as written: "1.50" stays 1.50.
            return new BigDecimal(n);
        } catch (NumberFormatException e) {
            throw path.error("has a malformed number '" + n + "'");
        }
    }

    private static ByteBuffer bytes(SdkBytes bytes) {
        // asByteBuffer() is read-only today; asReadOnlyBuffer() keeps the promise should that change.
        return bytes.asByteBuffer().asReadOnlyBuffer();
    }

    private static Set<String> stringSet(List<String> ss) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(ss));
    }

    private static Set<BigDecimal> numberSet(List<String> ns, AttributePath path) {
        Set<BigDecimal> result = new LinkedHashSet<>(capacity(ns.size()));
        for (String n : ns) {
            result.add(number(n, path));
        }
        return Collections.unmodifiableSet(result);
    }

    private static Set<ByteBuffer> bytesSet(List<SdkBytes> bs) {
        Set<ByteBuffer> result = new LinkedHashSet<>(capacity(bs.size()));
        for (SdkBytes b : bs) {
            result.add(b == null ? null : bytes(b));
        }
        return Collections.unmodifiableSet(result);
    }

    private static int capacity(int size) {
        return (int) Math.min(Integer.MAX_VALUE, (long) size * 4 / 3 + 1);
    }
}
