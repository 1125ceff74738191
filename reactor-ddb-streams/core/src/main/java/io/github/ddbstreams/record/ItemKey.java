package io.github.ddbstreams.record;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The identity of one item: its primary key in the one canonical form that every operator and sink compares,
 * hashes and serialises, so that changes of one item are always recognised as such.
 *
 * <p>DynamoDB compares key values by value, not by how they were written. A client may write one item's
 * number key as {@code 1}, {@code 1.0} or {@code 10E-1}: DynamoDB stores one item, and the stream may carry the
 * key in the form of each request. Two {@code ItemKey}s are therefore equal exactly when DynamoDB would address
 * the same item:
 * <ul>
 *   <li>numbers (N) by value: {@code 1}, {@code 1.0}, {@code 10E-1}, {@code +1.000} are equal, and so are
 *       {@code 0}, {@code -0} and {@code 0.0} (see {@link AttributeValues#canonicalNumber(String)});</li>
 *   <li>binary values (B) by their bytes, whatever buffer, offset or position they came in;</li>
 *   <li>strings (S) as they are (DynamoDB compares them byte for byte: no case folding, no trimming);</li>
 *   <li>attribute order does not matter: attributes are sorted by name;</li>
 *   <li>types matter: the string {@code "1"} is not the number {@code 1}.</li>
 * </ul>
 *
 * <p>{@link #toJson()} is the key's stable canonical text, e.g. {@code {"pk":"order-7","sk":1}}: equal keys
 * give equal text, byte for byte, on every JVM and release. The Kafka sink uses it as the record key (so one
 * item always lands in one partition); {@code KeyedParallelism} and the replica sink use {@link #equals} and
 * {@link #hashCode}; the OpenSearch sink derives document ids from {@link #attributes()}.
 *
 * <pre>{@code
 * ItemKey a = ItemKey.of(Map.of("pk", AttributeValue.fromN("1")));
 * ItemKey b = ItemKey.of(Map.of("pk", AttributeValue.fromN("10E-1")));
 * a.equals(b);   // true
 * b.toJson();    // {"pk":1}
 * }</pre>
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows attribute names and types only, never values (keys
 * may hold personal data).
 */
public final class ItemKey {

    /*
     * A bare JsonFactory (no ObjectMapper, no modules): the bytes must not depend on what else is on the
     * classpath, since the Kafka sink hashes them to choose a partition.
     */
    private static final JsonFactory JSON = new JsonFactory();

    private static final ItemKey EMPTY = new ItemKey(new String[0], new AttributeValue[0], new String[0]);

    /** Attribute names, sorted. */
    private final String[] names;
    /** Per name, the value in canonical form: S as is, N canonical, B copied. */
    private final AttributeValue[] values;
    /** Per name, the canonical text of the value: S as is, N canonical, B base64; with the type, the identity. */
    private final String[] texts;
    private final int hash;

    private ItemKey(String[] names, AttributeValue[] values, String[] texts) {
        this.names = names;
        this.values = values;
        this.texts = texts;
        int h = 1;
        for (int i = 0; i < names.length; i++) {
            h = 31 * h + names[i].hashCode();
            h = 31 * h + values[i].type().ordinal();
            h = 31 * h + texts[i].hashCode();
        }
        this.hash = h;
    }

    /**
     * The identity of the item with these key attributes; {@link #empty()} for null or empty input.
     *
     * <pre>{@code
     * ItemKey key = ItemKey.of(record.keys());
     * }</pre>
     *
     * @param keys the key attributes by name (a record's {@link ChangeRecord#keys()}), may be null
     * @return the item key, never null
     * @throws IllegalArgumentException naming the attribute when a name or value is null, a value is not a
     *     string, number or binary (the only key types DynamoDB has), or a number is malformed
     */
    public static ItemKey of(Map<String, AttributeValue> keys) {
        if (keys == null || keys.isEmpty()) {
            return EMPTY;
        }
        String[] names = new String[keys.size()];
        int n = 0;
        for (String name : keys.keySet()) {
            if (name == null) {
                throw new IllegalArgumentException("a key attribute has a null name");
            }
            names[n++] = name;
        }
        if (names.length > 1) {
            Arrays.sort(names);
        }
        AttributeValue[] values = new AttributeValue[names.length];
        String[] texts = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            canonicalise(names[i], keys.get(names[i]), values, texts, i);
        }
        return new ItemKey(names, values, texts);
    }

    /** The key of records that carry no key attributes; all of them share it. */
    public static ItemKey empty() {
        return EMPTY;
    }

    private static void canonicalise(String name, AttributeValue value, AttributeValue[] values, String[] texts,
            int i) {
        if (value == null) {
            throw new IllegalArgumentException("key attribute '" + name + "' is null");
        }
        AttributeValue.Type type = value.type();
        if (type == AttributeValue.Type.S) {
            values[i] = value;
            texts[i] = value.s();
        } else if (type == AttributeValue.Type.N) {
            String canonical;
            try {
                canonical = AttributeValues.canonicalNumber(value.n());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("key attribute '" + name + "' has a malformed number '"
                        + value.n() + "'", e);
            }
            values[i] = canonical.equals(value.n()) ? value : AttributeValue.fromN(canonical);
            texts[i] = canonical;
        } else if (type == AttributeValue.Type.B) {
            // a copy of the bytes: the identity must not follow a buffer someone may still write to
            byte[] bytes = value.b().asByteArray();
            values[i] = AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(bytes));
            texts[i] = Base64.getEncoder().encodeToString(bytes);
        } else {
            throw new IllegalArgumentException("key attribute '" + name + "' is of type "
                    + (type == null ? "<none>" : type.name()) + ": DynamoDB keys are strings (S), numbers (N) "
                    + "or binary (B)");
        }
    }

    /** Whether the key has no attributes (a record that carried no keys). */
    public boolean isEmpty() {
        return names.length == 0;
    }

    /** The key attribute names, sorted (partition and sort key in name order, not schema order). */
    public List<String> attributeNames() {
        return List.of(names);
    }

    /**
     * The key attributes in canonical form, in the order of their names: strings as they are, numbers as
     * {@link AttributeValues#canonicalNumber(String)} writes them, binary values as a copy of their bytes.
     * Usable as a DynamoDB key (e.g. for {@code GetItem}).
     *
     * <pre>{@code
     * ItemKey.of(Map.of("pk", AttributeValue.fromN("1.50"))).attributes() // {pk=AttributeValue(N=1.5)}
     * }</pre>
     *
     * @return an unmodifiable map, never null
     */
    public Map<String, AttributeValue> attributes() {
        Map<String, AttributeValue> map = new LinkedHashMap<>(names.length * 2);
        for (int i = 0; i < names.length; i++) {
            map.put(names[i], values[i]);
        }
        return Collections.unmodifiableMap(map);
    }

    /**
     * The canonical text of the key: a JSON object whose members are the key attributes sorted by name,
     * strings as JSON strings, numbers as JSON numbers in canonical form, binary values as base64 strings,
     * e.g. {@code {"pk":"order-7","sk":1.5}}; {@code {}} for the empty key.
     *
     * <p>Equal keys give equal text. Different keys of one table give different text (a key attribute has one
     * type per table; only across types could a binary value and a string equal to its base64 share a text).
     * A key already written in canonical form (strings, integers without exponent, decimals without trailing
     * zeros) gives exactly the JSON the Kafka sink wrote for it before item keys were canonical.
     *
     * <pre>{@code
     * ItemKey.of(Map.of("sk", AttributeValue.fromN("1.0"), "pk", AttributeValue.fromS("a"))).toJson()
     * // {"pk":"a","sk":1}
     * }</pre>
     */
    public String toJson() {
        return new String(toJsonBytes(), StandardCharsets.UTF_8);
    }

    /**
     * {@link #toJson()} as UTF-8 bytes, e.g. for a Kafka record key.
     *
     * @return a new array, never null
     */
    public byte[] toJsonBytes() {
        ByteArrayBuilder out = new ByteArrayBuilder(16 + 24 * names.length);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (int i = 0; i < names.length; i++) {
                g.writeFieldName(names[i]);
                if (values[i].type() == AttributeValue.Type.N) {
                    g.writeNumber(texts[i]); // already canonical: written as is, never reformatted
                } else {
                    g.writeString(texts[i]); // S as is, B base64 (as Jackson's writeBinary would)
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory: not expected
        }
        return out.toByteArray();
    }

    /** Equal when DynamoDB would address the same item: same names, types and canonical values. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ItemKey)) {
            return false;
        }
        ItemKey that = (ItemKey) o;
        if (hash != that.hash || names.length != that.names.length) {
            return false;
        }
        for (int i = 0; i < names.length; i++) {
            if (!names[i].equals(that.names[i]) || values[i].type() != that.values[i].type()
                    || !texts[i].equals(that.texts[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** The attribute names and types, never the values: e.g. {@code ItemKey{pk:S, sk:N}}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ItemKey{");
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(names[i]).append(':').append(values[i].type());
        }
        return sb.append('}').toString();
    }
}
