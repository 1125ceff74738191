package io.github.ddbstreams.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class ItemKeyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ItemKey number(String n) {
        return ItemKey.of(Map.of("pk", AttributeValue.fromN(n)));
    }

    @Test
    void of_forOneNumberWrittenInDifferentForms_givesEqualKeysAndText() {
        ItemKey one = number("1");
        for (String form : List.of("1.0", "10E-1", "1.000", "0.1E1", "+1", "001", "100e-2", "1E0", "0.01E+2")) {
            assertThat(number(form)).as(form).isEqualTo(one).hasSameHashCodeAs(one);
            assertThat(number(form).toJson()).as(form).isEqualTo("{\"pk\":1}");
        }
        assertThat(number("2")).isNotEqualTo(one);
        assertThat(number("1.0000000000000000000000000000000000001")).isNotEqualTo(one);
    }

    @Test
    void of_forZeroInAnyForm_givesOneKey() {
        for (String zero : List.of("0", "-0", "0.0", "-0.000", "0E+10", "0E-130", "+0")) {
            assertThat(number(zero)).as(zero).isEqualTo(number("0"));
            assertThat(number(zero).toJson()).as(zero).isEqualTo("{\"pk\":0}");
        }
    }

    @Test
    void toJson_writesDynamoDbsExtremesPlain_andOutOfRangeNumbersWithAnExponent() {
        assertThat(number("9.9999999999999999999999999999999999999E+125").toJson())
                .isEqualTo("{\"pk\":99999999999999999999999999999999999999" + "0".repeat(88) + "}");
        assertThat(number("-1E-130").toJson()).isEqualTo("{\"pk\":-0." + "0".repeat(129) + "1}");
        assertThat(number("1E+126").toJson()).isEqualTo("{\"pk\":1E+126}");
        assertThat(number("10E+125").toJson()).isEqualTo(number("1E+126").toJson());
        assertThat(number("1E-131").toJson()).isEqualTo("{\"pk\":1E-131}");
        // a huge exponent is not expanded into a huge string
        assertThat(number("1E+999999999").toJson()).isEqualTo("{\"pk\":1E+999999999}");
    }

    @Test
    void of_whenAttributesComeInAnyOrder_givesOneKeySortedByName() {
        Map<String, AttributeValue> forward = new LinkedHashMap<>();
        forward.put("pk", AttributeValue.fromS("a"));
        forward.put("created", AttributeValue.fromN("5.0"));
        Map<String, AttributeValue> backward = new LinkedHashMap<>();
        backward.put("created", AttributeValue.fromN("5"));
        backward.put("pk", AttributeValue.fromS("a"));

        assertThat(ItemKey.of(forward)).isEqualTo(ItemKey.of(backward)).hasSameHashCodeAs(ItemKey.of(backward));
        assertThat(ItemKey.of(forward).toJson()).isEqualTo("{\"created\":5,\"pk\":\"a\"}");
        assertThat(ItemKey.of(forward).attributeNames()).containsExactly("created", "pk");
        assertThat(ItemKey.of(forward).attributes()).containsExactly(
                Map.entry("created", AttributeValue.fromN("5")), Map.entry("pk", AttributeValue.fromS("a")));
    }

    @Test
    void of_forBinaryKeys_comparesTheBytesWhateverBufferTheyCameIn() {
        ByteBuffer offset = ByteBuffer.wrap(new byte[] {9, 9, 1, 2, 3, 7});
        offset.position(2).limit(5);
        ItemKey fromBuffer = ItemKey.of(Map.of("pk", AttributeValue.fromB(SdkBytes.fromByteBuffer(offset))));
        ItemKey fromArray = ItemKey.of(Map.of("pk", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 3}))));

        assertThat(fromBuffer).isEqualTo(fromArray).hasSameHashCodeAs(fromArray);
        assertThat(fromBuffer.toJson()).isEqualTo("{\"pk\":\"AQID\"}");
        assertThat(ItemKey.of(Map.of("pk", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 4})))))
                .isNotEqualTo(fromArray);
    }

    @Test
    void of_whenTheKeyIsLaterChangedInItsBuffer_keepsItsIdentity() {
        byte[] bytes = {1, 2, 3};
        ItemKey key = ItemKey.of(Map.of("pk", AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(bytes))));
        bytes[0] = 42;
        assertThat(key).isEqualTo(ItemKey.of(Map.of("pk", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 3})))));
    }

    @Test
    void of_keepsStringsAsTheyAre_andTellsTypesApart() {
        assertThat(ItemKey.of(Map.of("pk", AttributeValue.fromS("1.0"))))
                .isNotEqualTo(ItemKey.of(Map.of("pk", AttributeValue.fromS("1"))))
                .isNotEqualTo(number("1.0"));
        assertThat(ItemKey.of(Map.of("pk", AttributeValue.fromS("A")))).isNotEqualTo(ItemKey.of(Map.of("pk", AttributeValue.fromS("a"))));
        assertThat(ItemKey.of(Map.of("pk", AttributeValue.fromS(" a")))).isNotEqualTo(ItemKey.of(Map.of("pk", AttributeValue.fromS("a"))));
        assertThat(ItemKey.of(Map.of("pk", AttributeValue.fromS("a")))).isNotEqualTo(ItemKey.of(Map.of("id", AttributeValue.fromS("a"))));
        assertThat(ItemKey.of(Map.of("pk", AttributeValue.fromS("quote \" and ü"))).toJson())
                .isEqualTo("{\"pk\":\"quote \\\" and ü\"}");
    }

    @Test
    void empty_isTheKeyOfRecordsWithoutKeys() {
        assertThat(ItemKey.of(null)).isSameAs(ItemKey.empty());
        assertThat(ItemKey.of(Map.of())).isSameAs(ItemKey.empty());
        assertThat(ItemKey.empty().isEmpty()).isTrue();
        assertThat(ItemKey.empty().toJson()).isEqualTo("{}");
        assertThat(ChangeRecord.builder().eventName(EventName.REMOVE).sequenceNumber("1").build().itemKey())
                .isSameAs(ItemKey.empty());
    }

    @Test
    void of_whenTheKeysAreNoDynamoDbKey_failsNamingTheAttribute() {
        assertThatThrownBy(() -> ItemKey.of(Map.of("flag", AttributeValue.fromBool(true))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'flag'").hasMessageContaining("BOOL");
        assertThatThrownBy(() -> number("one"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'pk'").hasMessageContaining("'one'");
        Map<String, AttributeValue> withNull = new LinkedHashMap<>();
        withNull.put("pk", null);
        assertThatThrownBy(() -> ItemKey.of(withNull)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'pk'");
        assertThatThrownBy(() -> ItemKey.of(Map.of("pk", AttributeValue.builder().build())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'pk'");
    }

    @Test
    void toString_showsNamesAndTypes_neverValues() {
        Map<String, AttributeValue> keys = Map.of("pk", AttributeValue.fromS("secret@example.com"), "sk", AttributeValue.fromN("7"));
        assertThat(ItemKey.of(keys).toString()).isEqualTo("ItemKey{pk:S, sk:N}").doesNotContain("secret");
    }

    @Test
    void itemKey_ofAChangeRecord_isComputedOnceAndSurvivesToBuilder() {
        ChangeRecord record = ChangeRecord.builder().eventName(EventName.MODIFY).sequenceNumber("5")
                .keys(Map.of("pk", AttributeValue.fromN("1.0"))).build();
        assertThat(record.itemKey()).isSameAs(record.itemKey()).isEqualTo(number("1"));
        assertThat(record.toBuilder().sequenceNumber("6").build().itemKey()).isEqualTo(record.itemKey());
        assertThat(record.keys()).containsEntry("pk", AttributeValue.fromN("1.0")); // keys() as the stream carried them
    }

    /*
     * The property: every way of writing one value gives one key and one text, and different values give
     * different keys and texts. Values span DynamoDB's whole range: up to 38 digits, exponents -130..+125.
     */
    @Test
    void of_forRandomNumbers_equalValuesGiveEqualKeysAndText_andDifferentValuesDifferentOnes() throws Exception {
        Random random = new Random(20240612);
        List<BigDecimal> values = new ArrayList<>();
        for (int round = 0; round < 2_000; round++) {
            BigDecimal value = randomDynamoDbNumber(random);
            values.add(value);
            ItemKey expected = number(value.toString());
            String text = expected.toJson();
            for (String form : forms(value, random)) {
                ItemKey key = number(form);
                assertThat(key).as("%s written as %s", value, form).isEqualTo(expected).hasSameHashCodeAs(expected);
                assertThat(key.toJson()).as("%s written as %s", value, form).isEqualTo(text);
            }
            // the text is valid JSON holding the exact value, plain (no exponent), without trailing zeros
            assertThat(JSON.readTree(text).has("pk")).isTrue();
            String raw = text.substring("{\"pk\":".length(), text.length() - 1);
            assertThat(new BigDecimal(raw)).as(text).isEqualByComparingTo(value);
            assertThat(raw).as(text).doesNotContainPattern("[eE+]");
            if (raw.contains(".")) {
                assertThat(raw).as(text).doesNotEndWith("0");
            }
        }
        for (int i = 1; i < values.size(); i++) {
            BigDecimal a = values.get(i - 1);
            BigDecimal b = values.get(i);
            boolean same = a.compareTo(b) == 0;
            assertThat(number(a.toString()).equals(number(b.toString()))).as("%s vs %s", a, b).isEqualTo(same);
            assertThat(number(a.toString()).toJson().equals(number(b.toString()).toJson())).isEqualTo(same);
            // neighbours differing in the last of 38 digits stay apart
            BigDecimal next = a.add(BigDecimal.ONE.movePointLeft(a.scale()));
            assertThat(number(next.toString())).as("%s vs %s", a, next).isNotEqualTo(number(a.toString()));
        }
    }

    /** A value DynamoDB accepts: 1 to 38 significant digits, leading-digit exponent in -130..125, either sign. */
    private static BigDecimal randomDynamoDbNumber(Random random) {
        if (random.nextInt(50) == 0) {
            return BigDecimal.ZERO;
        }
        int digits = 1 + random.nextInt(38);
        BigInteger unscaled = new BigInteger(digits * 4, random).mod(BigInteger.TEN.pow(digits));
        if (unscaled.signum() == 0) {
            unscaled = BigInteger.ONE;
        }
        if (random.nextBoolean()) {
            unscaled = unscaled.negate();
        }
        BigDecimal value = new BigDecimal(unscaled);
        int exponent = random.nextInt(random.nextBoolean() ? 20 : 256) - (random.nextBoolean() ? 10 : 130);
        exponent = Math.max(-130, Math.min(125, exponent));
        int adjusted = value.precision() - 1;
        return value.scaleByPowerOfTen(exponent - adjusted);
    }

    /** Ways of writing one value: notations, extra trailing zeros, exponent shifts, signs, leading zeros. */
    private static List<String> forms(BigDecimal value, Random random) {
        List<String> forms = new ArrayList<>();
        forms.add(value.toString());
        forms.add(value.toPlainString());
        forms.add(value.toEngineeringString());
        forms.add(value.stripTrailingZeros().toString());
        BigDecimal padded = value.setScale(value.scale() + 1 + random.nextInt(5));
        forms.add(padded.toString());
        forms.add(padded.toPlainString());
        // mantissa and exponent shifted against each other: 12.5 as 125E-1, 1250E-2, 0.0125E+3
        int shift = random.nextInt(9) - 4;
        BigDecimal mantissa = value.movePointRight(shift);
        forms.add(mantissa.toPlainString() + "E" + (-shift));
        forms.add(mantissa.toPlainString() + "e" + (-shift < 0 ? "" : "+") + (-shift));
        String plain = value.toPlainString();
        if (value.signum() >= 0) {
            forms.add("+" + plain);
            forms.add("00" + plain);
        } else {
            forms.add("-00" + plain.substring(1));
        }
        if (value.signum() == 0) {
            forms.add("-0");
            forms.add("-0.0E+7");
        }
        return forms;
    }
}
