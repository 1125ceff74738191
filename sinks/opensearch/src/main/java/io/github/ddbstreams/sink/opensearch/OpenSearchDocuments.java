package io.github.ddbstreams.sink.opensearch;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

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
 * {@code pk=a, sk=b|c} ({@code a|b\|c}). Numbers are written in plain canonical form ({@code 1.50} and
 * {@code 1.5} give {@code 1.5}), binary values in base64.
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
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("the record carries no key attributes: cannot derive a document id");
        }
        if (keys.size() == 1) {
            Map.Entry<String, AttributeValue> only = keys.entrySet().iterator().next();
            return keyValue(only.getKey(), only.getValue());
        }
        StringBuilder id = new StringBuilder();
        for (Map.Entry<String, AttributeValue> entry : new TreeMap<>(keys).entrySet()) {
            if (id.length() > 0) {
                id.append(SEPARATOR);
            }
            String value = keyValue(entry.getKey(), entry.getValue());
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

    private static String keyValue(String name, AttributeValue value) {
        Objects.requireNonNull(value, name);
        if (value.s() != null) {
            return value.s();
        }
        if (value.n() != null) {
            return number(value.n(), name).stripTrailingZeros().toPlainString();
        }
        if (value.b() != null) {
            return base64(value.b());
        }
        throw new IllegalArgumentException("key attribute '" + name + "' is not a string, number or binary");
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
