package io.github.ddbstreams.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkNumber;
import software.amazon.awssdk.enhanced.dynamodb.EnhancedType;
import software.amazon.awssdk.enhanced.dynamodb.document.EnhancedDocument;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class AttributeValuesTest {

    private static AttributeValue s(String s) {
        return AttributeValue.fromS(s);
    }

    private static AttributeValue n(String n) {
        return AttributeValue.fromN(n);
    }

    private static SdkBytes bytes(String utf8) {
        return SdkBytes.fromUtf8String(utf8);
    }

    private static ByteBuffer buffer(String utf8) {
        return ByteBuffer.wrap(utf8.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void toJava_scalars_mapToJavaTypes() {
        assertThat(AttributeValues.toJava(s("x"))).isEqualTo("x");
        assertThat(AttributeValues.toJava(n("42"))).isEqualTo(new BigDecimal("42"));
        assertThat(AttributeValues.toJava(AttributeValue.fromBool(true))).isEqualTo(Boolean.TRUE);
        assertThat(AttributeValues.toJava(AttributeValue.fromBool(false))).isEqualTo(Boolean.FALSE);
        assertThat(AttributeValues.toJava(AttributeValue.fromNul(true))).isNull();
    }

    @Test
    void toJava_number_keepsScaleAsWritten() {
        BigDecimal n = (BigDecimal) AttributeValues.toJava(n("1.50"));
        assertThat(n.scale()).isEqualTo(2);
        assertThat(n.toPlainString()).isEqualTo("1.50");
        assertThat(n).isNotEqualTo(new BigDecimal("1.5"));
    }

    @Test
    void toJava_number_isExactForDynamoDbExtremes() {
        String digits38 = "12345678901234567890123456789012345678";
        assertThat(AttributeValues.toJava(n(digits38))).isEqualTo(new BigDecimal(digits38));
        assertThat(((BigDecimal) AttributeValues.toJava(n(digits38))).toPlainString()).isEqualTo(digits38);
        assertThat(AttributeValues.toJava(n("-" + digits38))).isEqualTo(new BigDecimal("-" + digits38));
        assertThat(AttributeValues.toJava(n("1E+125"))).isEqualTo(new BigDecimal("1E+125"));
        assertThat(AttributeValues.toJava(n("-1E-130"))).isEqualTo(new BigDecimal("-1E-130"));
        assertThat(AttributeValues.toJava(n("0.000000000000000000000000000000000001")))
                .isEqualTo(new BigDecimal("1E-36"));
    }

    @Test
    void toJava_binary_isReadOnlyAndEqualByContent() {
        ByteBuffer b = (ByteBuffer) AttributeValues.toJava(AttributeValue.fromB(bytes("hello")));
        assertThat(b.isReadOnly()).isTrue();
        assertThat(b).isEqualTo(buffer("hello"));
        assertThatThrownBy(() -> b.put(0, (byte) 1)).isInstanceOf(ReadOnlyBufferException.class);
    }

    @Test
    void toJava_binary_emptyBytes() {
        ByteBuffer b = (ByteBuffer) AttributeValues.toJava(AttributeValue.fromB(SdkBytes.fromByteArray(new byte[0])));
        assertThat(b.remaining()).isZero();
    }

    @Test
    void toJava_sets_keepOrderAndAreUnmodifiable() {
        @SuppressWarnings("unchecked")
        Set<String> ss = (Set<String>) AttributeValues.toJava(AttributeValue.fromSs(List.of("b", "a", "c")));
        assertThat(ss).containsExactly("b", "a", "c");
        assertThatThrownBy(() -> ss.add("d")).isInstanceOf(UnsupportedOperationException.class);

        @SuppressWarnings("unchecked")
        Set<BigDecimal> ns = (Set<BigDecimal>) AttributeValues.toJava(AttributeValue.fromNs(List.of("3", "1.50", "-2")));
        assertThat(ns).containsExactly(new BigDecimal("3"), new BigDecimal("1.50"), new BigDecimal("-2"));
        assertThatThrownBy(() -> ns.clear()).isInstanceOf(UnsupportedOperationException.class);

        @SuppressWarnings("unchecked")
        Set<ByteBuffer> bs = (Set<ByteBuffer>) AttributeValues.toJava(
                AttributeValue.fromBs(List.of(bytes("x"), bytes("yz"))));
        assertThat(bs).containsExactly(buffer("x"), buffer("yz"));
        assertThat(bs).allSatisfy(b -> assertThat(b.isReadOnly()).isTrue());
        assertThatThrownBy(() -> bs.remove(buffer("x"))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toJava_emptySetsListsAndMaps_keepTheirType() {
        // An explicitly empty collection is still typed; only type() tells it from an unset one.
        assertThat(AttributeValues.toJava(AttributeValue.fromSs(List.of()))).isInstanceOf(Set.class)
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.COLLECTION).isEmpty();
        assertThat(AttributeValues.toJava(AttributeValue.fromNs(List.of()))).isEqualTo(Set.of());
        assertThat(AttributeValues.toJava(AttributeValue.fromBs(List.of()))).isEqualTo(Set.of());
        assertThat(AttributeValues.toJava(AttributeValue.fromL(List.of()))).isEqualTo(List.of());
        assertThat(AttributeValues.toJava(AttributeValue.fromM(Map.of()))).isEqualTo(Map.of());
    }

    @Test
    void toJava_nested_convertsRecursively() {
        Map<String, AttributeValue> address = new LinkedHashMap<>();
        address.put("city", s("Oslo"));
        address.put("zip", n("0150"));
        address.put("lines", AttributeValue.fromL(List.of(s("a"), AttributeValue.fromL(List.of(n("1"), AttributeValue.fromNul(true))))));
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("id", s("1"));
        item.put("address", AttributeValue.fromM(address));
        item.put("tags", AttributeValue.fromSs(List.of("x")));

        Map<String, Object> java = AttributeValues.toJava(item);

        assertThat(java).containsOnlyKeys("id", "address", "tags");
        assertThat(java.keySet()).containsExactly("id", "address", "tags");
        @SuppressWarnings("unchecked")
        Map<String, Object> javaAddress = (Map<String, Object>) java.get("address");
        assertThat(javaAddress.keySet()).containsExactly("city", "zip", "lines");
        assertThat(javaAddress.get("zip")).isEqualTo(new BigDecimal("0150"));
        assertThat(javaAddress.get("lines")).isEqualTo(Arrays.asList("a", Arrays.asList(new BigDecimal("1"), null)));
        assertThatThrownBy(() -> javaAddress.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        @SuppressWarnings("unchecked")
        List<Object> lines = (List<Object>) javaAddress.get("lines");
        assertThatThrownBy(() -> lines.add("b")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toJava_nullAttributes_becomeNullValues() {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("a", AttributeValue.fromNul(true));
        item.put("b", AttributeValue.fromM(Map.of("c", AttributeValue.fromNul(true))));

        Map<String, Object> java = AttributeValues.toJava(item);

        assertThat(java).containsEntry("a", null).containsKey("b");
        @SuppressWarnings("unchecked")
        Map<String, Object> b = (Map<String, Object>) java.get("b");
        assertThat(b).containsEntry("c", null);
        assertThatThrownBy(() -> java.remove("a")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toJava_nullOrEmptyItem_isEmptyMap() {
        assertThat(AttributeValues.toJava((Map<String, AttributeValue>) null)).isEmpty();
        assertThat(AttributeValues.toJava(Map.<String, AttributeValue>of())).isEmpty();
    }

    @Test
    void toJava_valueWithoutType_failsNamingThePath() {
        AttributeValue empty = AttributeValue.builder().build();
        assertThatThrownBy(() -> AttributeValues.toJava(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no type");

        Map<String, AttributeValue> item = Map.of("address", AttributeValue.fromM(Map.of(
                "lines", AttributeValue.fromL(List.of(s("a"), empty)))));
        assertThatThrownBy(() -> AttributeValues.toJava(item))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'address.lines[1]'")
                .hasMessageContaining("no type");
    }

    @Test
    void toJava_valueWithTwoTypes_fails() {
        AttributeValue both = AttributeValue.builder().s("x").n("1").build();
        assertThatThrownBy(() -> AttributeValues.toJava(Map.of("a", both)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a'")
                .hasMessageContaining("more than one type");
    }

    @Test
    void toJava_javaNullValue_failsNamingThePath() {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("gone", null);
        assertThatThrownBy(() -> AttributeValues.toJava(item))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'gone'");
        assertThatThrownBy(() -> AttributeValues.toJava((AttributeValue) null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("value");
    }

    @Test
    void toJava_malformedNumber_failsNamingThePath() {
        assertThatThrownBy(() -> AttributeValues.toJava(Map.of("price", n("12,5"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'price'")
                .hasMessageContaining("12,5");
        assertThatThrownBy(() -> AttributeValues.toJava(Map.of("ns", AttributeValue.fromNs(List.of("1", "x")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'ns'");
    }

    @Test
    void toJava_deepNesting_convertsInLinearTime() {
        // Far deeper than DynamoDB's 32 levels (the limit the recursive converter relies on for its stack).
        int depth = 500;
        AttributeValue value = s("leaf");
        for (int i = 0; i < depth; i++) {
            value = i % 2 == 0 ? AttributeValue.fromL(List.of(value)) : AttributeValue.fromM(Map.of("k", value));
        }
        Object java = AttributeValues.toJava(value);
        for (int i = depth - 1; i >= 0; i--) {
            java = i % 2 == 0 ? ((List<?>) java).get(0) : ((Map<?, ?>) java).get("k");
        }
        assertThat(java).isEqualTo("leaf");
    }

    @Test
    void toJava_deepNestingError_namesEveryLevelOnce() {
        // The path is built only when the error is raised, so each level contributes one segment.
        int depth = 500;
        AttributeValue value = AttributeValue.builder().build();
        for (int i = 0; i < depth; i++) {
            value = AttributeValue.fromL(List.of(value));
        }
        AttributeValue root = value;
        assertThatThrownBy(() -> AttributeValues.toJava(Map.of("x", root)))
                .hasMessageContaining("'x" + "[0]".repeat(depth) + "'");
    }

    @Test
    void toJava_deepNestingError_namesFullPath() {
        AttributeValue value = AttributeValue.builder().build();
        for (int i = 0; i < 3; i++) {
            value = AttributeValue.fromM(Map.of("m" + i, AttributeValue.fromL(List.of(value))));
        }
        AttributeValue root = value;
        assertThatThrownBy(() -> AttributeValues.toJava(Map.of("root", root)))
                .hasMessageContaining("'root.m2[0].m1[0].m0[0]'");
    }

    @Test
    void toDocument_exposesTypedGetters() {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("name", s("Laptop"));
        item.put("price", n("999.50"));
        item.put("tags", AttributeValue.fromSs(List.of("a", "b")));
        item.put("inStock", AttributeValue.fromBool(true));
        item.put("dims", AttributeValue.fromM(Map.of("w", n("30"), "unit", s("cm"))));
        item.put("parts", AttributeValue.fromL(List.of(s("x"), s("y"))));
        item.put("gone", AttributeValue.fromNul(true));

        EnhancedDocument doc = AttributeValues.toDocument(item);

        assertThat(doc.getString("name")).isEqualTo("Laptop");
        SdkNumber price = doc.getNumber("price");
        assertThat(price.bigDecimalValue()).isEqualTo(new BigDecimal("999.50"));
        assertThat(doc.getStringSet("tags")).containsExactlyInAnyOrder("a", "b");
        assertThat(doc.getBoolean("inStock")).isTrue();
        assertThat(doc.getMapOfUnknownType("dims")).containsEntry("unit", s("cm")).containsEntry("w", n("30"));
        assertThat(doc.getMap("dims", EnhancedType.of(String.class), EnhancedType.of(String.class)))
                .containsEntry("unit", "cm");
        assertThat(doc.getList("parts", EnhancedType.of(String.class))).containsExactly("x", "y");
        assertThat(doc.isNull("gone")).isTrue();
        assertThat(doc.isPresent("missing")).isFalse();
        assertThat(doc.toMap()).isEqualTo(item);
    }

    @Test
    void toDocument_nullOrEmpty_isEmptyDocument() {
        assertThat(AttributeValues.toDocument(null).toMap()).isEmpty();
        assertThat(AttributeValues.toDocument(Map.of()).toMap()).isEmpty();
        assertThat(AttributeValues.toDocument(Map.of()).toJson()).isEqualTo("{}");
    }

    @Test
    void canonicalNumber_writesEveryFormOfOneValueAlike_plainAndWithoutTrailingZeros() {
        assertThat(AttributeValues.canonicalNumber("1")).isEqualTo("1");
        assertThat(AttributeValues.canonicalNumber("1.0")).isEqualTo("1");
        assertThat(AttributeValues.canonicalNumber("10E-1")).isEqualTo("1");
        assertThat(AttributeValues.canonicalNumber("1.50")).isEqualTo("1.5");
        assertThat(AttributeValues.canonicalNumber("1E+3")).isEqualTo("1000");
        assertThat(AttributeValues.canonicalNumber("-2.5E-3")).isEqualTo("-0.0025");
        assertThat(AttributeValues.canonicalNumber("-0.0")).isEqualTo("0");
        assertThat(AttributeValues.canonicalNumber("0E+99")).isEqualTo("0");
        assertThat(AttributeValues.canonicalNumber("12345678901234567890123456789012345678"))
                .isEqualTo("12345678901234567890123456789012345678");
        assertThat(AttributeValues.canonicalNumber("1E+200")).isEqualTo("1E+200"); // beyond DynamoDB's range
        assertThatThrownBy(() -> AttributeValues.canonicalNumber("1,5"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'1,5'");
    }
}
