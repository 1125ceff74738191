package io.github.ddbstreams.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

class LambdaEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ARN =
            "arn:aws:dynamodb:us-east-1:123456789012:table/Products/stream/2024-12-20T10:30:00.000";

    private static JsonNode parse(String json) throws Exception {
        return JSON.readTree(json.replace('\'', '"'));
    }

    private static ChangeRecord.Builder base(EventName name) {
        return ChangeRecord.builder()
                .eventId("1")
                .eventName(name)
                .eventVersion("1.1")
                .eventSource("aws:dynamodb")
                .awsRegion("us-east-1")
                .keys(Map.of("ProductID", AttributeValue.fromS("PROD-001")))
                .sequenceNumber("111")
                .sizeBytes(26)
                .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)
                .approximateCreationTime(Instant.ofEpochSecond(1640000000))
                .streamArn(ARN);
    }

    private static Map<String, AttributeValue> product(String price) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("ProductID", AttributeValue.fromS("PROD-001"));
        item.put("Name", AttributeValue.fromS("Laptop"));
        item.put("Price", AttributeValue.fromN(price));
        return item;
    }

    @Test
    void toJson_modify_matchesLambdaShape() throws Exception {
        ChangeRecord r = base(EventName.MODIFY).newImage(product("999")).oldImage(product("899")).build();

        JsonNode expected = parse("{'eventID':'1','eventName':'MODIFY','eventVersion':'1.1',"
                + "'eventSource':'aws:dynamodb','awsRegion':'us-east-1','dynamodb':{"
                + "'ApproximateCreationDateTime':1640000000,"
                + "'Keys':{'ProductID':{'S':'PROD-001'}},"
                + "'NewImage':{'ProductID':{'S':'PROD-001'},'Name':{'S':'Laptop'},'Price':{'N':'999'}},"
                + "'OldImage':{'ProductID':{'S':'PROD-001'},'Name':{'S':'Laptop'},'Price':{'N':'899'}},"
                + "'SequenceNumber':'111','SizeBytes':26,'StreamViewType':'NEW_AND_OLD_IMAGES'},"
                + "'eventSourceARN':'" + ARN + "'}");

        assertThat(JSON.readTree(r.toLambdaEventJson())).isEqualTo(expected);
    }

    @Test
    void toJson_keepsLambdaFieldOrder() throws Exception {
        ChangeRecord r = base(EventName.MODIFY).newImage(product("1")).oldImage(product("2"))
                .userIdentity(Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build())
                .build();

        JsonNode tree = JSON.readTree(r.toLambdaEventJson());

        assertThat(tree.fieldNames()).toIterable().containsExactly("eventID", "eventName", "eventVersion",
                "eventSource", "awsRegion", "dynamodb", "eventSourceARN", "userIdentity");
        assertThat(tree.get("dynamodb").fieldNames()).toIterable().containsExactly("ApproximateCreationDateTime",
                "Keys", "NewImage", "OldImage", "SequenceNumber", "SizeBytes", "StreamViewType");
        assertThat(tree.at("/dynamodb/NewImage").fieldNames()).toIterable()
                .containsExactly("ProductID", "Name", "Price");
    }

    @Test
    void toJson_insert_omitsOldImage() throws Exception {
        ChangeRecord r = base(EventName.INSERT).newImage(product("999")).build();

        JsonNode expected = parse("{'eventID':'1','eventName':'INSERT','eventVersion':'1.1',"
                + "'eventSource':'aws:dynamodb','awsRegion':'us-east-1','dynamodb':{"
                + "'ApproximateCreationDateTime':1640000000,"
                + "'Keys':{'ProductID':{'S':'PROD-001'}},"
                + "'NewImage':{'ProductID':{'S':'PROD-001'},'Name':{'S':'Laptop'},'Price':{'N':'999'}},"
                + "'SequenceNumber':'111','SizeBytes':26,'StreamViewType':'NEW_AND_OLD_IMAGES'},"
                + "'eventSourceARN':'" + ARN + "'}");

        assertThat(JSON.readTree(r.toLambdaEventJson())).isEqualTo(expected);
    }

    @Test
    void toJson_ttlRemove_omitsNewImageAndAddsUserIdentity() throws Exception {
        ChangeRecord r = base(EventName.REMOVE).oldImage(product("899"))
                .userIdentity(Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build())
                .build();

        JsonNode expected = parse("{'eventID':'1','eventName':'REMOVE','eventVersion':'1.1',"
                + "'eventSource':'aws:dynamodb','awsRegion':'us-east-1','dynamodb':{"
                + "'ApproximateCreationDateTime':1640000000,"
                + "'Keys':{'ProductID':{'S':'PROD-001'}},"
                + "'OldImage':{'ProductID':{'S':'PROD-001'},'Name':{'S':'Laptop'},'Price':{'N':'899'}},"
                + "'SequenceNumber':'111','SizeBytes':26,'StreamViewType':'NEW_AND_OLD_IMAGES'},"
                + "'eventSourceARN':'" + ARN + "',"
                + "'userIdentity':{'type':'Service','principalId':'dynamodb.amazonaws.com'}}");

        assertThat(JSON.readTree(r.toLambdaEventJson())).isEqualTo(expected);
    }

    @Test
    void toJson_omitsAbsentTimeViewTypeAndKeys() throws Exception {
        ChangeRecord r = ChangeRecord.builder().eventName(EventName.INSERT).sequenceNumber("5").build();

        JsonNode dynamodb = JSON.readTree(r.toLambdaEventJson()).get("dynamodb");

        assertThat(dynamodb).isEqualTo(parse("{'SequenceNumber':'5','SizeBytes':0}"));
    }

    @Test
    void toJson_everyAttributeType_inDynamoDbJson() throws Exception {
        Map<String, AttributeValue> image = new LinkedHashMap<>();
        image.put("s", AttributeValue.fromS("x"));
        image.put("n", AttributeValue.fromN("1.50"));
        image.put("big", AttributeValue.fromN("1E+125"));
        image.put("b", AttributeValue.fromB(SdkBytes.fromUtf8String("hi")));
        image.put("ss", AttributeValue.fromSs(List.of("a", "b")));
        image.put("ns", AttributeValue.fromNs(List.of("1", "2.0")));
        image.put("bs", AttributeValue.fromBs(List.of(SdkBytes.fromUtf8String("hi"), SdkBytes.fromUtf8String("yo"))));
        image.put("m", AttributeValue.fromM(Map.of("k", AttributeValue.fromBool(false))));
        image.put("l", AttributeValue.fromL(List.of(AttributeValue.fromNul(true), AttributeValue.fromS("y"))));
        image.put("nul", AttributeValue.fromNul(true));
        image.put("bool", AttributeValue.fromBool(false));
        image.put("emptyL", AttributeValue.fromL(List.of()));
        image.put("emptyM", AttributeValue.fromM(Map.of()));
        ChangeRecord r = base(EventName.INSERT).newImage(image).build();

        JsonNode newImage = JSON.readTree(r.toLambdaEventJson()).at("/dynamodb/NewImage");

        assertThat(newImage).isEqualTo(parse("{'s':{'S':'x'},'n':{'N':'1.50'},'big':{'N':'1E+125'},"
                + "'b':{'B':'aGk='},'ss':{'SS':['a','b']},'ns':{'NS':['1','2.0']},'bs':{'BS':['aGk=','eW8=']},"
                + "'m':{'M':{'k':{'BOOL':false}}},'l':{'L':[{'NULL':true},{'S':'y'}]},'nul':{'NULL':true},"
                + "'bool':{'BOOL':false},'emptyL':{'L':[]},'emptyM':{'M':{}}}"));
        // Numbers stay the strings DynamoDB wrote: no rounding, no scale change, no exponent rewriting.
        assertThat(newImage.at("/n/N").isTextual()).isTrue();
    }

    @Test
    void toJson_absurdCreationTime_rendersEpochSeconds() throws Exception {
        Instant absurd = Instant.parse("+58868-01-01T00:00:00Z");
        ChangeRecord r = base(EventName.INSERT).approximateCreationTime(absurd).build();

        JsonNode created = JSON.readTree(r.toLambdaEventJson()).at("/dynamodb/ApproximateCreationDateTime");

        assertThat(created.isIntegralNumber()).isTrue();
        assertThat(created.longValue()).isEqualTo(absurd.getEpochSecond());
        assertThat(r.toLambdaEvent()).extractingByKey("dynamodb").asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("ApproximateCreationDateTime", absurd.getEpochSecond());
    }

    @Test
    void toJson_extremeCreationTimes_neverThrow() throws Exception {
        for (Instant t : List.of(Instant.MAX, Instant.MIN, Instant.EPOCH)) {
            ChangeRecord r = base(EventName.INSERT).approximateCreationTime(t).build();
            assertThat(JSON.readTree(r.toLambdaEventJson()).at("/dynamodb/ApproximateCreationDateTime").longValue())
                    .isEqualTo(t.getEpochSecond());
        }
    }

    @Test
    void toMap_isNestedUnmodifiableAndMatchesJson() throws Exception {
        ChangeRecord r = base(EventName.MODIFY).newImage(product("1.50")).oldImage(product("2"))
                .userIdentity(Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build())
                .build();

        Map<String, Object> map = r.toLambdaEvent();

        assertThat(map.keySet()).containsExactly("eventID", "eventName", "eventVersion", "eventSource",
                "awsRegion", "dynamodb", "eventSourceARN", "userIdentity");
        // Same text, so same fields, values and order as the JSON form.
        assertThat(JSON.writeValueAsString(map)).isEqualTo(r.toLambdaEventJson());
        @SuppressWarnings("unchecked")
        Map<String, Object> dynamodb = (Map<String, Object>) map.get("dynamodb");
        assertThat(dynamodb.get("SizeBytes")).isEqualTo(26L);
        assertThat(dynamodb.get("ApproximateCreationDateTime")).isEqualTo(1640000000L);
        assertThat(dynamodb.get("SequenceNumber")).isEqualTo("111");
        @SuppressWarnings("unchecked")
        Map<String, Object> newImage = (Map<String, Object>) dynamodb.get("NewImage");
        assertThat(newImage.get("Price")).isEqualTo(Map.of("N", "1.50"));
        assertThatThrownBy(() -> map.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> dynamodb.clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> newImage.remove("Price")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toMap_listsAreUnmodifiable() {
        ChangeRecord r = base(EventName.INSERT)
                .newImage(Map.of("tags", AttributeValue.fromSs(List.of("a")))).build();

        @SuppressWarnings("unchecked")
        Map<String, Object> tags = (Map<String, Object>) ((Map<?, ?>) ((Map<?, ?>) r.toLambdaEvent().get("dynamodb"))
                .get("NewImage")).get("tags");
        @SuppressWarnings("unchecked")
        List<Object> ss = (List<Object>) tags.get("SS");
        assertThat(ss).containsExactly("a");
        assertThatThrownBy(() -> ss.add("b")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toJsonNode_isAFreshTreeEachCall() {
        ChangeRecord r = base(EventName.INSERT).build();

        ObjectNode first = LambdaEvents.toJsonNode(r);
        first.put("eventName", "changed");

        assertThat(LambdaEvents.toJsonNode(r).get("eventName").asText()).isEqualTo("INSERT");
    }

    @Test
    void toJson_untypedAttribute_failsNamingThePath() {
        ChangeRecord r = base(EventName.INSERT)
                .newImage(Map.of("m", AttributeValue.fromM(Map.of("bad", AttributeValue.builder().build()))))
                .build();

        assertThatThrownBy(r::toLambdaEventJson)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'m.bad'");
    }
}
