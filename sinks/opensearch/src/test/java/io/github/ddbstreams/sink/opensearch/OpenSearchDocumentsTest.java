package io.github.ddbstreams.sink.opensearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.ItemKey;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class OpenSearchDocumentsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fromImage_mapsEveryAttributeTypeToJson() throws Exception {
        Map<String, AttributeValue> image = new LinkedHashMap<>();
        image.put("s", AttributeValue.fromS("text"));
        image.put("n", AttributeValue.fromN("12345678901234567890.50"));
        image.put("bool", AttributeValue.fromBool(true));
        image.put("nul", AttributeValue.fromNul(true));
        image.put("b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 3})));
        image.put("ss", AttributeValue.fromSs(List.of("a", "b")));
        image.put("ns", AttributeValue.fromNs(List.of("1", "2.5")));
        image.put("bs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {(byte) 0xff}))));
        image.put("l", AttributeValue.fromL(List.of(AttributeValue.fromS("x"),
                AttributeValue.fromM(Map.of("deep", AttributeValue.fromN("7"))))));
        image.put("m", AttributeValue.fromM(Map.of("inner", AttributeValue.fromL(List.of(AttributeValue.fromBool(false))))));

        Map<String, Object> document = OpenSearchDocuments.fromImage(image);

        assertThat(document.get("n")).isEqualTo(new BigDecimal("12345678901234567890.50"));
        assertThat(document).containsEntry("nul", null);
        assertThat(JSON.writeValueAsString(document)).isEqualTo("{\"s\":\"text\",\"n\":12345678901234567890.50,"
                + "\"bool\":true,\"nul\":null,\"b\":\"AQID\",\"ss\":[\"a\",\"b\"],\"ns\":[1,2.5],\"bs\":[\"/w==\"],"
                + "\"l\":[\"x\",{\"deep\":7}],\"m\":{\"inner\":[false]}}");
    }

    @Test
    void fromImage_whenANestedValueHasNoType_namesItsPath() {
        Map<String, AttributeValue> image = Map.of("m", AttributeValue.fromM(Map.of("x", AttributeValue.builder().build())));

        assertThatThrownBy(() -> OpenSearchDocuments.fromImage(image))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m.x");
    }

    @Test
    void documentId_withOneKeyAttribute_isItsValueUnescaped() {
        assertThat(OpenSearchDocuments.documentId(Map.of("pk", AttributeValue.fromS("a|b\\c")))).isEqualTo("a|b\\c");
        assertThat(OpenSearchDocuments.documentId(Map.of("id", AttributeValue.fromN("1.50")))).isEqualTo("1.5");
        assertThat(OpenSearchDocuments.documentId(Map.of("id", AttributeValue.fromN("1E+3")))).isEqualTo("1000");
        assertThat(OpenSearchDocuments.documentId(Map.of("id",
                AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 3}))))).isEqualTo("AQID");
    }

    @Test
    void documentId_forOneNumberWrittenInDifferentForms_isIdentical() {
        for (String form : List.of("1", "1.0", "10E-1", "1.000", "0.1E1", "+1", "001")) {
            assertThat(OpenSearchDocuments.documentId(Map.of("id", AttributeValue.fromN(form)))).as(form).isEqualTo("1");
            assertThat(OpenSearchDocuments.documentId(Map.of("pk", AttributeValue.fromS("a"), "sk", AttributeValue.fromN(form))))
                    .as(form).isEqualTo("a|1");
        }
        for (String zero : List.of("0", "-0", "0.0", "0E+10", "-0.000")) {
            assertThat(OpenSearchDocuments.documentId(Map.of("id", AttributeValue.fromN(zero)))).as(zero).isEqualTo("0");
        }
        // DynamoDB's extremes stay plain, so the id never depends on how the exponent was written
        assertThat(OpenSearchDocuments.documentId(Map.of("id", AttributeValue.fromN("1E+125"))))
                .isEqualTo("1" + "0".repeat(125));
        assertThat(OpenSearchDocuments.documentId(Map.of("id", AttributeValue.fromN("-1E-130"))))
                .isEqualTo("-0." + "0".repeat(129) + "1");
    }

    @Test
    void documentId_ofARecordsItemKey_isTheIdOfItsKeys_andTheSameForEveryFormOfOneItem() {
        Map<String, AttributeValue> keys = new LinkedHashMap<>();
        keys.put("sk", AttributeValue.fromN("7.00"));
        keys.put("pk", AttributeValue.fromS("a|b"));
        ChangeRecord record = ChangeRecord.builder().eventName(EventName.MODIFY).sequenceNumber("1").keys(keys).build();

        assertThat(OpenSearchDocuments.documentId(record.itemKey())).isEqualTo("a\\|b|7")
                .isEqualTo(OpenSearchDocuments.documentId(keys))
                .isEqualTo(OpenSearchDocuments.documentId(Map.of("pk", AttributeValue.fromS("a|b"), "sk", AttributeValue.fromN("70E-1"))));
        assertThat(OpenSearchSinkOptions.builder().endpoint(URI.create("http://127.0.0.1:9200")).index("i").build()
                .documentId().apply(record)).isEqualTo("a\\|b|7");
        assertThatThrownBy(() -> OpenSearchDocuments.documentId(ItemKey.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no key attributes");
    }

    @Test
    void documentId_withPartitionAndSortKey_joinsByAttributeNameWithEscaping() {
        Map<String, AttributeValue> keys = new LinkedHashMap<>();
        keys.put("sk", AttributeValue.fromN("7"));
        keys.put("pk", AttributeValue.fromS("user"));
        assertThat(OpenSearchDocuments.documentId(keys)).isEqualTo("user|7");

        String left = OpenSearchDocuments.documentId(Map.of("pk", AttributeValue.fromS("a|b"), "sk", AttributeValue.fromS("c")));
        String right = OpenSearchDocuments.documentId(Map.of("pk", AttributeValue.fromS("a"), "sk", AttributeValue.fromS("b|c")));
        assertThat(left).isEqualTo("a\\|b|c");
        assertThat(right).isEqualTo("a|b\\|c");
        assertThat(OpenSearchDocuments.documentId(Map.of("pk", AttributeValue.fromS("a\\"), "sk", AttributeValue.fromS("|c"))))
                .isEqualTo("a\\\\|\\|c")
                .isNotIn(left, right);
    }

    @Test
    void documentId_withoutKeysOrWithANonScalarKey_fails() {
        assertThatThrownBy(() -> OpenSearchDocuments.documentId(Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no key attributes");
        assertThatThrownBy(() -> OpenSearchDocuments.documentId(Map.of("pk", AttributeValue.fromBool(true))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'pk'");
    }

    @Test
    void padded_sequenceNumbers_sortAsStringsInNumericOrder() {
        String[] numbers = {"000000000000000000010", "9", "4421584500000000017450439091", "000000000000000000009",
                "9223372036854775808", "1".repeat(40)};
        String[] padded = Arrays.stream(numbers).map(VersionScript::padded).sorted().toArray(String[]::new);

        assertThat(padded).allSatisfy(p -> assertThat(p).hasSize(40));
        assertThat(padded).containsExactly(VersionScript.padded("9"), VersionScript.padded("9"),
                VersionScript.padded("10"), VersionScript.padded("9223372036854775808"),
                VersionScript.padded("4421584500000000017450439091"), "1".repeat(40));
        assertThatThrownBy(() -> VersionScript.padded("1".repeat(41))).isInstanceOf(IllegalArgumentException.class);
        assertThat(VersionScript.padded("0" + "1".repeat(40))).isEqualTo("1".repeat(40));
    }
}
