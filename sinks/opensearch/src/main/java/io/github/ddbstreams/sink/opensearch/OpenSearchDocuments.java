package io.github.ddbstreams.sink.opensearch;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.github.ddbstreams.record.ItemKey;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The default conversions of {@link OpenSearchSink}: a DynamoDB item to a JSON-ready document, and an item key
 * to a document id. Public so that a custom mapper can start from the default one.
 *
 * <p>Document mapping: S → string; N → {@link BigDecimal} (a JSON number, exact); BOOL → boolean; NULL →
 * {@code null}; B → base64 string; SS / NS / BS → arrays (of strings, numbers, base64 strings, in DynamoDB's
 * order); L → array; M → object; nested at any depth.
 *
 * <p>Document id: a single key attribute gives its value as is ({@code item-1}); several (partition and sort
 * key) are joined with {@code |} in the order of their attribute names, each value escaped ({@code \} →
 * {@code \\}, {@code |} → {@code \|}), so {@code pk=a|b, sk=c} ({@code a\|b|c}) never collides with
 * {@code pk=a, sk=b|c} ({@code a|b\|c}). The id is derived from the canonical {@link ItemKey}, so every
 * change of one item has one id however its key was written: numbers by value, in plain form without trailing
 * zeros ({@code 1}, {@code 1.0} and {@code 10E-1} give {@code 1}; {@code 1.50} gives {@code 1.5}; {@code 1E+3}
 * gives {@code 1000}; {@code -0} gives {@code 0}; see {@link io.github.ddbstreams.record.AttributeValues#canonicalNumber}),
 * binary values as base64 of their bytes, strings as they are.
 *
 * <pre>{@code
 * Function<ChangeRecord, Map<String, Object>> mapper = record -> {
 *     Map<String, Object> document = new LinkedHashMap<>(OpenSearchDocuments.fromImage(record.newImage()));
 *     document.remove("secret");
 *     return document;
 * };
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class OpenSearchDocuments {

    private static final char SEPARATOR = '|';
    private static final char ESCAPE = '\\';

    private OpenSearchDocuments() {
    }

    /**
     * Converts an item image to a document of plain, JSON-serializable values (see the class documentation).
     *
     * <pre>{@code
     * Map<String, Object> document = OpenSearchDocuments.fromImage(record.newImage());
     * }</pre>
     *
     * @return a mutable map in the image's attribute order
     * @throws IllegalArgumentException naming the attribute when a value has no type set
     */
    public static Map<String, Object> fromImage(Map<String, AttributeValue> image) {
        Objects.requireNonNull(image, "image");
        Map<String, Object> document = new LinkedHashMap<>(mapCapacity(image.size()));
        for (Map.Entry<String, AttributeValue> entry : image.entrySet()) {
            document.put(entry.getKey(), toJson(entry.getValue(), entry.getKey()));
        }
        return document;
    }

    /**
     * The document id of an item key (see the class documentation).
     *
     * <pre>{@code
     * OpenSearchDocuments.documentId(Map.of("pk", AttributeValue.fromS("a"), "sk", AttributeValue.fromN("7"))) // a|7
     * }</pre>
     *
     * @throws IllegalArgumentException when the key is empty or holds a value that is not S, N or B
     */
    public static String documentId(Map<String, AttributeValue> keys) {
        Objects.requireNonNull(keys, "keys");
        return documentId(ItemKey.of(keys));
    }

    /**
     * The document id of an item (see the class documentation): equal item keys give equal ids.
     *
     * <pre>{@code
     * OpenSearchDocuments.documentId(record.itemKey()) // "1" for a key written as 1, 1.0 or 10E-1
     * }</pre>
     *
     * @throws IllegalArgumentException when the key is empty
     */
    public static String documentId(ItemKey key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("the record carries no key attributes: cannot derive a document id");
        }
        Map<String, AttributeValue> attributes = key.attributes(); // canonical, sorted by name
        if (attributes.size() == 1) {
            return keyValue(attributes.values().iterator().next());
        }
        StringBuilder id = new StringBuilder();
        for (AttributeValue attribute : attributes.values()) {
            if (id.length() > 0) {
                id.append(SEPARATOR);
            }
            String value = keyValue(attribute);
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == SEPARATOR || c == ESCAPE) {
                    id.append(ESCAPE);
                }
                id.append(c);
            }
        }
        return id.toString();
    }

    /** The text of one canonical key value: S as is, N already canonical, B as base64 of its bytes. */
    private static String keyValue(AttributeValue value) {
        return value.type() == AttributeValue.Type.B ? base64(value.b()) : value.type() == AttributeValue.Type.N
                ? value.n() : value.s();
    }

    private static Object toJson(AttributeValue value, String path) {
        if (value == null) {
            throw new IllegalArgumentException("attribute '" + path + "' is null");
        }
        switch (value.type()) {
            case S:
                return value.s();
            case N:
                return number(value.n(), path);
            case BOOL:
                return value.bool();
            case NUL:
                return null;
            case B:
                return base64(value.b());
            case SS:
                return new ArrayList<>(value.ss());
            case NS: {
                List<Object> numbers = new ArrayList<>(value.ns().size());
                for (String n : value.ns()) {
                    numbers.add(number(n, path));
                }
                return numbers;
            }
            case BS: {
                List<Object> binaries = new ArrayList<>(value.bs().size());
                for (SdkBytes b : value.bs()) {
                    binaries.add(base64(b));
                }
                return binaries;
            }
            case L: {
                List<Object> list = new ArrayList<>(value.l().size());
                int i = 0;
                for (AttributeValue element : value.l()) {
                    list.add(toJson(element, path + "[" + i++ + "]"));
                }
                return list;
            }
            case M: {
                Map<String, Object> map = new LinkedHashMap<>(mapCapacity(value.m().size()));
                for (Map.Entry<String, AttributeValue> entry : value.m().entrySet()) {
                    map.put(entry.getKey(), toJson(entry.getValue(), path + "." + entry.getKey()));
                }
                return map;
            }
            default:
                throw new IllegalArgumentException("attribute '" + path + "' has no type set");
        }
    }

    private static BigDecimal number(String n, String path) {
        try {
            return new BigDecimal(n);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("attribute '" + path + "' is not a valid number", e);
        }
    }

    private static String base64(SdkBytes bytes) {
        return Base64.getEncoder().encodeToString(bytes.asByteArrayUnsafe());
    }

    private static int mapCapacity(int size) {
        return size < 3 ? 4 : (int) (size / 0.75f) + 1;
    }
}
