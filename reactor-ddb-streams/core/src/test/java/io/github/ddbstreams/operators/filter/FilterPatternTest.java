package io.github.ddbstreams.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.ddbstreams.operators.filter.FilterPattern.NumericMatching;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.RecordCheckpoint;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Lambda event-filtering syntax and semantics. Examples marked "AWS" are those of the AWS Lambda Developer
 * Guide: "Control which events Lambda sends to your function" (invocation-eventfiltering.html: the comparison
 * operator table, the filtering examples, multi-level filtering, the console example) and "Using event
 * filtering with a DynamoDB event source" (with-ddb-filtering.html: table keys, table attributes, Boolean AND,
 * the Exists operator, the note on numeric operators).
 */
class FilterPatternTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** JSON written with single quotes for readability. */
    private static String q(String json) {
        return json.replace('\'', '"');
    }

    private static JsonNode event(String json) {
        try {
            return JSON.readTree(q(json));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static FilterPattern pattern(String json) {
        return FilterPattern.parse(q(json));
    }

    private static boolean matches(String pattern, String event) {
        return pattern(pattern).matches(event(event));
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(String v) {
        return AttributeValue.fromN(v);
    }

    private static ChangeRecord.Builder record(EventName name) {
        return ChangeRecord.builder().eventId("1").eventName(name).eventVersion("1.0").awsRegion("us-east-1")
                .sequenceNumber("111").sizeBytes(26).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)
                .approximateCreationTime(Instant.ofEpochSecond(1678831218))
                .streamArn("arn:aws:dynamodb:us-east-1:123456789012:table/Customers/stream/2023-03-14T00:00:00.000");
    }

    private static Map<String, AttributeValue> item(Object... keyValues) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            item.put((String) keyValues[i], (AttributeValue) keyValues[i + 1]);
        }
        return item;
    }

    /** The DynamoDB page's sample record: CustomerName key, AccountManager and PaymentTerms attributes. */
    private static ChangeRecord customer(String accountManager, String oldAccountManager) {
        ChangeRecord.Builder b = record(oldAccountManager == null ? EventName.INSERT : EventName.MODIFY)
                .keys(item("CustomerName", s("AnyCompany Industries")))
                .newImage(item("AccountManager", s(accountManager), "PaymentTerms", s("60 days"),
                        "CustomerName", s("AnyCompany Industries")));
        if (oldAccountManager != null) {
            b.oldImage(item("AccountManager", s(oldAccountManager), "PaymentTerms", s("60 days"),
                    "CustomerName", s("AnyCompany Industries")));
        }
        return b.build();
    }

    private static ChangeRecord order(EventName name, String status, String price) {
        return record(name).keys(item("pk", s("order-1")))
                .newImage(item("pk", s("order-1"), "Status", s(status), "Price", n(price))).build();
    }

    @Nested
    class AwsComparisonOperatorTable {

        @Test
        void null_matchesOnlyAPresentJsonNull() {
            assertThat(matches("{'UserID': [null]}", "{'UserID': null}")).isTrue();
            assertThat(matches("{'UserID': [null]}", "{'UserID': 'null'}")).isFalse();
            assertThat(matches("{'UserID': [null]}", "{'UserID': ''}")).isFalse();
            assertThat(matches("{'UserID': [null]}", "{'Other': 1}")).isFalse();
        }

        @Test
        void empty_matchesOnlyTheEmptyString() {
            assertThat(matches("{'LastName': ['']}", "{'LastName': ''}")).isTrue();
            assertThat(matches("{'LastName': ['']}", "{'LastName': null}")).isFalse();
            assertThat(matches("{'LastName': ['']}", "{}")).isFalse();
            assertThat(matches("{'LastName': ['']}", "{'LastName': ' '}")).isFalse();
        }

        @Test
        void equals_isExactAndCaseSensitive() {
            assertThat(matches("{'Name': ['Alice']}", "{'Name': 'Alice'}")).isTrue();
            assertThat(matches("{'Name': ['Alice']}", "{'Name': 'alice'}")).isFalse();
            assertThat(matches("{'Name': ['Alice']}", "{'Name': 'Alice '}")).isFalse();
        }

        @Test
        void equalsIgnoreCase_ignoresCaseOnlyForStrings() {
            assertThat(matches("{'Name': [{'equals-ignore-case': 'alice'}]}", "{'Name': 'ALICE'}")).isTrue();
            assertThat(matches("{'Name': [{'equals-ignore-case': 'alice'}]}", "{'Name': 'Alice'}")).isTrue();
            assertThat(matches("{'Name': [{'equals-ignore-case': 'alice'}]}", "{'Name': 'Dalice'}")).isFalse();
            assertThat(matches("{'Name': [{'equals-ignore-case': '1'}]}", "{'Name': 1}")).isFalse();
        }

        @Test
        void and_requiresEveryField() {
            String p = "{'Location': ['New York'], 'Day': ['Monday']}";
            assertThat(matches(p, "{'Location': 'New York', 'Day': 'Monday'}")).isTrue();
            assertThat(matches(p, "{'Location': 'New York', 'Day': 'Tuesday'}")).isFalse();
            assertThat(matches(p, "{'Location': 'New York'}")).isFalse();
        }

        @Test
        void or_matchesAnyValueOfTheArray() {
            String p = "{'PaymentType': ['Credit', 'Debit']}";
            assertThat(matches(p, "{'PaymentType': 'Credit'}")).isTrue();
            assertThat(matches(p, "{'PaymentType': 'Debit'}")).isTrue();
            assertThat(matches(p, "{'PaymentType': 'Cash'}")).isFalse();
        }

        @Test
        void orAcrossFields_matchesAnyAlternative() {
            String p = "{'$or': [{'Location': ['New York']}, {'Day': ['Monday']}]}";
            assertThat(matches(p, "{'Location': 'New York', 'Day': 'Sunday'}")).isTrue();
            assertThat(matches(p, "{'Location': 'Boston', 'Day': 'Monday'}")).isTrue();
            assertThat(matches(p, "{'Location': 'Boston', 'Day': 'Sunday'}")).isFalse();
            // $or is ANDed with the other fields of its object
            String and = "{'Kind': ['a'], '$or': [{'Location': ['New York']}, {'Day': ['Monday']}]}";
            assertThat(matches(and, "{'Kind': 'a', 'Day': 'Monday'}")).isTrue();
            assertThat(matches(and, "{'Kind': 'b', 'Day': 'Monday'}")).isFalse();
        }

        @Test
        void not_anythingBut_matchesOtherPresentValues() {
            String p = "{'Weather': [{'anything-but': ['Raining']}]}";
            assertThat(matches(p, "{'Weather': 'Sunny'}")).isTrue();
            assertThat(matches(p, "{'Weather': 'Raining'}")).isFalse();
            assertThat(matches(p, "{'Other': 'Sunny'}")).isFalse();
        }

        @Test
        void numericEquals_comparesNumbersByValue() {
            String p = "{'Price': [{'numeric': ['=', 100]}]}";
            assertThat(matches(p, "{'Price': 100}")).isTrue();
            assertThat(matches(p, "{'Price': 100.0}")).isTrue();
            assertThat(matches(p, "{'Price': 1e2}")).isTrue();
            assertThat(matches(p, "{'Price': 101}")).isFalse();
            assertThat(matches(p, "{'Price': '100'}")).isFalse();
        }

        @Test
        void numericRange_respectsInclusiveAndExclusiveBounds() {
            String p = "{'Price': [{'numeric': ['>', 10, '<=', 20]}]}";
            assertThat(matches(p, "{'Price': 10}")).isFalse();
            assertThat(matches(p, "{'Price': 10.000001}")).isTrue();
            assertThat(matches(p, "{'Price': 20}")).isTrue();
            assertThat(matches(p, "{'Price': 20.5}")).isFalse();
            assertThat(matches(p, "{'Price': -15}")).isFalse();
        }

        @Test
        void exists_trueMatchesAnyPresentLeafIncludingNull() {
            String p = "{'ProductName': [{'exists': true}]}";
            assertThat(matches(p, "{'ProductName': 'x'}")).isTrue();
            assertThat(matches(p, "{'ProductName': null}")).isTrue();
            assertThat(matches(p, "{'ProductName': ''}")).isTrue();
            assertThat(matches(p, "{'Other': 'x'}")).isFalse();
        }

        @Test
        void doesNotExist_matchesOnlyAnAbsentField() {
            String p = "{'ProductName': [{'exists': false}]}";
            assertThat(matches(p, "{'Other': 'x'}")).isTrue();
            assertThat(matches(p, "{'ProductName': 'x'}")).isFalse();
            assertThat(matches(p, "{'ProductName': null}")).isFalse();
            // a missing parent object means a missing field too
            assertThat(matches("{'a': {'b': [{'exists': false}]}}", "{}")).isTrue();
        }

        @Test
        void beginsWith_prefixMatchesStringsOnly() {
            String p = "{'Region': [{'prefix': 'us-'}]}";
            assertThat(matches(p, "{'Region': 'us-east-1'}")).isTrue();
            assertThat(matches(p, "{'Region': 'eu-west-1'}")).isFalse();
            assertThat(matches(p, "{'Region': 'US-east-1'}")).isFalse();
            assertThat(matches("{'Code': [{'prefix': '1'}]}", "{'Code': 123}")).isFalse();
        }

        @Test
        void endsWith_suffixMatchesStringsOnly() {
            String p = "{'FileName': [{'suffix': '.png'}]}";
            assertThat(matches(p, "{'FileName': 'photo.png'}")).isTrue();
            assertThat(matches(p, "{'FileName': 'photo.PNG'}")).isFalse();
            assertThat(matches(p, "{'FileName': 'photo.png.txt'}")).isFalse();
        }

        @Test
        void numbersCompareByStringRepresentation_asTheNoteSays() {
            // "For numbers, Lambda also uses string representation. 300, 300.0, and 3.0e2 are not considered equal."
            assertThat(matches("{'n': [300]}", "{'n': 300}")).isTrue();
            assertThat(matches("{'n': [300]}", "{'n': 300.0}")).isFalse();
            assertThat(matches("{'n': [300]}", "{'n': '300'}")).isFalse();
            assertThat(matches("{'n': ['300']}", "{'n': 300}")).isFalse();
            assertThat(matches("{'n': [300.0]}", "{'n': 300.0}")).isTrue();
        }
    }

    @Nested
    class AwsFilteringExamples {

        @Test
        void kinesisExample_metadataAndDataPropertiesTogether() {
            String p = "{'partitionKey': ['1'], 'data': {'Location': ['Los Angeles']}}";
            assertThat(matches(p, "{'partitionKey': '1', 'data': {'Location': 'Los Angeles', 'Temp': 60}}")).isTrue();
            assertThat(matches(p, "{'partitionKey': '2', 'data': {'Location': 'Los Angeles'}}")).isFalse();
            assertThat(matches(p, "{'partitionKey': '1', 'data': {'Location': 'Seattle'}}")).isFalse();
        }

        @Test
        void temperatureRangeExample() {
            String p = "{'data': {'Temperature': [{'numeric': ['>', 50, '<=', 60]}]}}";
            assertThat(matches(p, "{'data': {'Temperature': 55}}")).isTrue();
            assertThat(matches(p, "{'data': {'Temperature': 46}}")).isFalse();
            // the Kinesis sample writes "Temperature": "46": a string, which numeric never matches
            assertThat(matches(p, "{'data': {'Temperature': '55'}}")).isFalse();
        }

        @Test
        void consoleExample_aIsOneOrTwo() {
            assertThat(matches("{ 'a' : [ 1, 2 ] }", "{'a': 2}")).isTrue();
            assertThat(matches("{ 'a' : [ 1, 2 ] }", "{'a': 3}")).isFalse();
        }

        @Test
        void multiLevelExample_keyIdN101_matchesTheNumberString() {
            ChangeRecord r = record(EventName.INSERT).keys(item("Id", n("101")))
                    .newImage(item("Message", s("New item!"), "Id", n("101"))).build();
            assertThat(pattern("{'dynamodb': {'Keys': {'Id': {'N': ['101']}}}}").matches(r)).isTrue();
            assertThat(pattern("{'dynamodb': {'Keys': {'Id': {'N': ['102']}}}}").matches(r)).isFalse();
            // N values are strings: the number 101 is not equal to them
            assertThat(pattern("{'dynamodb': {'Keys': {'Id': {'N': [101]}}}}").matches(r)).isFalse();
        }

        @Test
        void dynamoDb_tableKeys() {
            FilterPattern p = pattern("{'dynamodb': {'Keys': {'CustomerName': {'S': ['AnyCompany Industries']}}}}");
            assertThat(p.matches(customer("Pat Candella", null))).isTrue();
            ChangeRecord other = record(EventName.INSERT).keys(item("CustomerName", s("Example Corp"))).build();
            assertThat(p.matches(other)).isFalse();
        }

        @Test
        void dynamoDb_tableAttributes_newImageAccountManagerIsEitherName() {
            FilterPattern p = pattern(
                    "{'dynamodb': {'NewImage': {'AccountManager': {'S': ['Pat Candella', 'Shirley Rodriguez']}}}}");
            assertThat(p.matches(customer("Pat Candella", null))).isTrue();
            assertThat(p.matches(customer("Shirley Rodriguez", null))).isTrue();
            assertThat(p.matches(customer("Terry Whitlock", null))).isFalse();
        }

        @Test
        void dynamoDb_booleanAnd_newAndOldImage() {
            FilterPattern p = pattern("{'dynamodb': {'NewImage': {'AccountManager': {'S': ['Pat Candella']}},"
                    + " 'OldImage': {'AccountManager': {'S': ['Terry Whitlock']}}}}");
            assertThat(p.matches(customer("Pat Candella", "Terry Whitlock"))).isTrue();
            assertThat(p.matches(customer("Pat Candella", "Shirley Rodriguez"))).isFalse();
            assertThat(p.matches(customer("Pat Candella", null))).isFalse();
        }

        @Test
        void dynamoDb_existsOnAnIntermediateNodeNeverMatches_onTheLeafItDoes() {
            ChangeRecord r = record(EventName.INSERT).keys(item("UserID", s("12345")))
                    .newImage(item("UserID", s("12345"), "Name", s("John Doe"), "Organizations",
                            AttributeValue.fromL(List.of(s("Sales"), s("Marketing"), s("Support")))))
                    .build();
            ChangeRecord without = record(EventName.INSERT).keys(item("UserID", s("1")))
                    .newImage(item("UserID", s("1"))).build();

            FilterPattern intermediate = pattern("{'dynamodb': {'NewImage': {'Organizations': [{'exists': true}]}}}");
            FilterPattern leaf = pattern("{'dynamodb': {'NewImage': {'Organizations': {'L': {'S': [{'exists': true}]}}}}}");

            assertThat(intermediate.matches(r)).isFalse();
            assertThat(leaf.matches(r)).isTrue();
            assertThat(leaf.matches(without)).isFalse();
        }

        @Test
        void dynamoDb_numericOnN_neverMatchesAsInLambda() {
            // "DynamoDB event filtering doesn't support the use of numeric operators (numeric equals and numeric
            // range). Even if items in your table are stored as numbers, these parameters are converted to strings
            // in the JSON record object."
            FilterPattern p = pattern("{'dynamodb': {'NewImage': {'Price': {'N': [{'numeric': ['>', 10]}]}}}}");
            assertThat(p.numericMatching()).isEqualTo(NumericMatching.LAMBDA);
            assertThat(p.matches(order(EventName.INSERT, "PAID", "99.5"))).isFalse();
            assertThat(p.matches(order(EventName.INSERT, "PAID", "5"))).isFalse();
        }

        @Test
        void cdkExample_eventNameInsertAndNewImageIdBoolTrue() {
            FilterPattern p = pattern("{'eventName': ['INSERT'], 'dynamodb': {'NewImage': {'id': {'BOOL': [true]}}}}");
            ChangeRecord yes = record(EventName.INSERT).newImage(item("id", AttributeValue.fromBool(true))).build();
            ChangeRecord no = record(EventName.INSERT).newImage(item("id", AttributeValue.fromBool(false))).build();
            ChangeRecord modify = record(EventName.MODIFY).newImage(item("id", AttributeValue.fromBool(true))).build();
            assertThat(p.matches(yes)).isTrue();
            assertThat(p.matches(no)).isFalse();
            assertThat(p.matches(modify)).isFalse();
        }
    }

    @Nested
    class DynamoDbRecords {

        @Test
        void eventName_filtersInsertsAndModifies() {
            FilterPattern p = pattern("{'eventName': ['INSERT', 'MODIFY']}");
            assertThat(p.matches(order(EventName.INSERT, "NEW", "1"))).isTrue();
            assertThat(p.matches(order(EventName.MODIFY, "NEW", "1"))).isTrue();
            assertThat(p.matches(record(EventName.REMOVE).keys(item("pk", s("order-1"))).build())).isFalse();
        }

        @Test
        void newImageStatus_matchesTheStringAttribute() {
            FilterPattern p = pattern("{'dynamodb': {'NewImage': {'Status': {'S': ['PAID']}}}}");
            assertThat(p.matches(order(EventName.MODIFY, "PAID", "1"))).isTrue();
            assertThat(p.matches(order(EventName.MODIFY, "NEW", "1"))).isFalse();
            // a REMOVE has no NewImage at all
            assertThat(p.matches(record(EventName.REMOVE).oldImage(item("Status", s("PAID"))).build())).isFalse();
        }

        @Test
        void numericOnPriceN_withDynamoDbNumberStrings_comparesTheNumber() {
            FilterPattern p = FilterPattern.parse(
                    q("{'dynamodb': {'NewImage': {'Price': {'N': [{'numeric': ['>', 0, '<=', 100]}]}}}}"),
                    NumericMatching.DYNAMODB_NUMBER_STRINGS);
            assertThat(p.matches(order(EventName.INSERT, "PAID", "99.5"))).isTrue();
            assertThat(p.matches(order(EventName.INSERT, "PAID", "100"))).isTrue();
            assertThat(p.matches(order(EventName.INSERT, "PAID", "1E+2"))).isTrue();
            assertThat(p.matches(order(EventName.INSERT, "PAID", "100.01"))).isFalse();
            assertThat(p.matches(order(EventName.INSERT, "PAID", "0"))).isFalse();
            assertThat(p.matches(order(EventName.INSERT, "PAID", "-3"))).isFalse();
            assertThat(p.toString()).endsWith("(DYNAMODB_NUMBER_STRINGS)");
        }

        @Test
        void dynamoDbNumberStrings_appliesOnlyUnderNAndNs() {
            FilterPattern onS = FilterPattern.parse(
                    q("{'dynamodb': {'NewImage': {'Status': {'S': [{'numeric': ['>', 0]}]}}}}"),
                    NumericMatching.DYNAMODB_NUMBER_STRINGS);
            assertThat(onS.matches(order(EventName.INSERT, "5", "1"))).isFalse();

            FilterPattern onNs = FilterPattern.parse(
                    q("{'dynamodb': {'NewImage': {'Sizes': {'NS': [{'numeric': ['>=', 40]}]}}}}"),
                    NumericMatching.DYNAMODB_NUMBER_STRINGS);
            ChangeRecord sizes = record(EventName.INSERT).newImage(item("Sizes", AttributeValue.fromNs(
                    List.of("38", "42")))).build();
            ChangeRecord small = record(EventName.INSERT).newImage(item("Sizes", AttributeValue.fromNs(
                    List.of("36", "38")))).build();
            assertThat(onNs.matches(sizes)).isTrue();
            assertThat(onNs.matches(small)).isFalse();
        }

        @Test
        void numericOnSizeBytes_matchesTheJsonNumberInLambdaMode() {
            FilterPattern p = pattern("{'dynamodb': {'SizeBytes': [{'numeric': ['<', 100]}]}}");
            assertThat(p.matches(record(EventName.INSERT).sizeBytes(26).build())).isTrue();
            assertThat(p.matches(record(EventName.INSERT).sizeBytes(400).build())).isFalse();
        }

        @Test
        void setsAndLists_matchWhenAnyElementMatches() {
            ChangeRecord r = record(EventName.INSERT).newImage(item(
                    "Tags", AttributeValue.fromSs(List.of("red", "blue")),
                    "Lines", AttributeValue.fromL(List.of(
                            AttributeValue.fromM(item("sku", s("A-1"), "qty", n("1"))),
                            AttributeValue.fromM(item("sku", s("B-2"), "qty", n("5"))))))).build();
            assertThat(pattern("{'dynamodb': {'NewImage': {'Tags': {'SS': ['blue']}}}}").matches(r)).isTrue();
            assertThat(pattern("{'dynamodb': {'NewImage': {'Tags': {'SS': ['green']}}}}").matches(r)).isFalse();
            assertThat(pattern("{'dynamodb': {'NewImage': {'Lines': {'L': {'M': {'sku': {'S': [{'prefix': 'B-'}]}}}}}}}")
                    .matches(r)).isTrue();
            // fields of an object pattern must match within the same array element
            assertThat(pattern("{'dynamodb': {'NewImage': {'Lines': {'L': {'M': "
                    + "{'sku': {'S': ['A-1']}, 'qty': {'N': ['5']}}}}}}}").matches(r)).isFalse();
            assertThat(pattern("{'dynamodb': {'NewImage': {'Lines': {'L': {'M': "
                    + "{'sku': {'S': ['B-2']}, 'qty': {'N': ['5']}}}}}}}").matches(r)).isTrue();
        }

        @Test
        void nullAttribute_andBinary_andTopLevelMetadata() {
            ChangeRecord r = record(EventName.REMOVE).keys(item("pk", s("x")))
                    .oldImage(item("pk", s("x"), "Gone", AttributeValue.fromNul(true),
                            "Blob", AttributeValue.fromB(SdkBytes.fromUtf8String("hi"))))
                    .userIdentity(Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build())
                    .build();
            assertThat(pattern("{'dynamodb': {'OldImage': {'Gone': {'NULL': [true]}}}}").matches(r)).isTrue();
            assertThat(pattern("{'dynamodb': {'OldImage': {'Blob': {'B': ['aGk=']}}}}").matches(r)).isTrue();
            assertThat(pattern("{'userIdentity': {'principalId': ['dynamodb.amazonaws.com']}, "
                    + "'eventName': ['REMOVE']}").matches(r)).isTrue();
            assertThat(pattern("{'userIdentity': {'type': [{'exists': false}]}}").matches(r)).isFalse();
            assertThat(pattern("{'awsRegion': [{'prefix': 'us-'}], 'eventSource': ['aws:dynamodb'], "
                    + "'dynamodb': {'StreamViewType': ['NEW_AND_OLD_IMAGES'], 'SequenceNumber': ['111']}}")
                    .matches(r)).isTrue();
        }
    }

    @Nested
    class Operators {

        @Test
        void anythingBut_singleString() {
            String p = "{'state': [{'anything-but': 'initializing'}]}";
            assertThat(matches(p, "{'state': 'running'}")).isTrue();
            assertThat(matches(p, "{'state': 'initializing'}")).isFalse();
        }

        @Test
        void anythingBut_numbers() {
            String p = "{'x': [{'anything-but': [100, 200]}]}";
            assertThat(matches(p, "{'x': 150}")).isTrue();
            assertThat(matches(p, "{'x': 200}")).isFalse();
            String single = "{'x': [{'anything-but': 100}]}";
            assertThat(matches(single, "{'x': 100}")).isFalse();
            assertThat(matches(single, "{'x': '100'}")).isTrue();
        }

        @Test
        void anythingBut_prefixAndSuffix() {
            assertThat(matches("{'Region': [{'anything-but': {'prefix': 'us-'}}]}", "{'Region': 'eu-west-1'}")).isTrue();
            assertThat(matches("{'Region': [{'anything-but': {'prefix': 'us-'}}]}", "{'Region': 'us-east-1'}")).isFalse();
            assertThat(matches("{'F': [{'anything-but': {'suffix': '.png'}}]}", "{'F': 'a.jpg'}")).isTrue();
            assertThat(matches("{'F': [{'anything-but': {'suffix': '.png'}}]}", "{'F': 'a.png'}")).isFalse();
        }

        @Test
        void anythingBut_equalsIgnoreCase() {
            String p = "{'state': [{'anything-but': {'equals-ignore-case': ['Initializing', 'stopped']}}]}";
            assertThat(matches(p, "{'state': 'running'}")).isTrue();
            assertThat(matches(p, "{'state': 'INITIALIZING'}")).isFalse();
            assertThat(matches(p, "{'state': 'Stopped'}")).isFalse();
        }

        @Test
        void anythingBut_onAnArray_matchesWhenSomeElementIsNotExcluded() {
            String p = "{'tags': [{'anything-but': ['x']}]}";
            assertThat(matches(p, "{'tags': ['x', 'y']}")).isTrue();
            assertThat(matches(p, "{'tags': ['x', 'x']}")).isFalse();
        }

        @Test
        void numeric_eachComparison() {
            assertThat(matches("{'v': [{'numeric': ['<', 5]}]}", "{'v': 4.99}")).isTrue();
            assertThat(matches("{'v': [{'numeric': ['<', 5]}]}", "{'v': 5}")).isFalse();
            assertThat(matches("{'v': [{'numeric': ['<=', 5]}]}", "{'v': 5}")).isTrue();
            assertThat(matches("{'v': [{'numeric': ['<=', 5]}]}", "{'v': 5.01}")).isFalse();
            assertThat(matches("{'v': [{'numeric': ['>', 5]}]}", "{'v': 5.01}")).isTrue();
            assertThat(matches("{'v': [{'numeric': ['>', 5]}]}", "{'v': 5}")).isFalse();
            assertThat(matches("{'v': [{'numeric': ['>=', 5]}]}", "{'v': 5}")).isTrue();
            assertThat(matches("{'v': [{'numeric': ['>=', 5]}]}", "{'v': 4}")).isFalse();
            assertThat(matches("{'v': [{'numeric': ['>=', -1.5, '<', 0]}]}", "{'v': -1.5}")).isTrue();
            assertThat(matches("{'v': [{'numeric': ['<', 0, '>=', -1.5]}]}", "{'v': -0.1}")).isTrue();
            assertThat(matches("{'v': [{'numeric': ['<', 0, '>=', -1.5]}]}", "{'v': true}")).isFalse();
        }

        @Test
        void booleansAndMixedAlternatives() {
            assertThat(matches("{'ok': [true]}", "{'ok': true}")).isTrue();
            assertThat(matches("{'ok': [true]}", "{'ok': 'true'}")).isFalse();
            String mixed = "{'v': [null, 'x', {'prefix': 'ab'}, {'numeric': ['>', 10]}]}";
            assertThat(matches(mixed, "{'v': null}")).isTrue();
            assertThat(matches(mixed, "{'v': 'abc'}")).isTrue();
            assertThat(matches(mixed, "{'v': 11}")).isTrue();
            assertThat(matches(mixed, "{'v': 'b'}")).isFalse();
        }

        @Test
        void existsFalseWithAlternatives_matchesAbsentOrListedValue() {
            String p = "{'v': [{'exists': false}, 'x']}";
            assertThat(matches(p, "{}")).isTrue();
            assertThat(matches(p, "{'v': 'x'}")).isTrue();
            assertThat(matches(p, "{'v': 'y'}")).isFalse();
        }

        @Test
        void eventArrays_andNestedArrays_matchAnyElement() {
            assertThat(matches("{'v': ['b']}", "{'v': ['a', 'b']}")).isTrue();
            assertThat(matches("{'v': ['b']}", "{'v': [['a'], ['b']]}")).isTrue();
            assertThat(matches("{'v': ['c']}", "{'v': ['a', 'b']}")).isFalse();
            assertThat(matches("{'v': [{'exists': false}]}", "{'v': []}")).isTrue();
            assertThat(matches("{'v': [{'exists': true}]}", "{'v': []}")).isFalse();
            assertThat(matches("{'o': {'k': ['x']}}", "{'o': [{'k': 'y'}, {'k': 'x'}]}")).isTrue();
        }

        @Test
        void leafPatternOnAnObject_orObjectPatternOnALeaf_neverMatch() {
            assertThat(matches("{'o': ['x']}", "{'o': {'k': 'x'}}")).isFalse();
            assertThat(matches("{'o': {'k': ['x']}}", "{'o': 'x'}")).isFalse();
        }

        @Test
        void keysThatNeedQuoting_work() {
            assertThat(matches("{'first name': ['Ann'], 'a.b': [1]}", "{'first name': 'Ann', 'a.b': 1}")).isTrue();
        }

        @Test
        void parse_keepsCompactJson_andEqualityFollowsIt() {
            FilterPattern a = FilterPattern.parse("{ \"eventName\" : [ \"INSERT\" ] }");
            FilterPattern b = FilterPattern.parse("{\"eventName\":[\"INSERT\"]}");
            assertThat(a.json()).isEqualTo("{\"eventName\":[\"INSERT\"]}");
            assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
            assertThat(a).isNotEqualTo(FilterPattern.parse(b.json(), NumericMatching.DYNAMODB_NUMBER_STRINGS));
        }
    }

    /** Defects a differential run against event-ruler (the engine behind EventBridge and Lambda filters) found. */
    @Nested
    class AgreementWithEventRuler {

        @Test
        void anythingButPrefixSuffixIgnoreCase_matchNonStringValues_asPlainAnythingButDoes() {
            for (String value : List.of("true", "null", "5", "-1.5")) {
                String event = "{'v': " + value + "}";
                assertThat(matches("{'v': [{'anything-but': 'x'}]}", event)).as("anything-but on %s", value).isTrue();
                assertThat(matches("{'v': [{'anything-but': {'prefix': 'x'}}]}", event))
                        .as("anything-but prefix on %s", value).isTrue();
                assertThat(matches("{'v': [{'anything-but': {'suffix': 'x'}}]}", event))
                        .as("anything-but suffix on %s", value).isTrue();
                assertThat(matches("{'v': [{'anything-but': {'equals-ignore-case': 'x'}}]}", event))
                        .as("anything-but equals-ignore-case on %s", value).isTrue();
            }
            // a value that is written like the excluded text but is no string is not excluded either
            assertThat(matches("{'v': [{'anything-but': {'prefix': 'tr'}}]}", "{'v': true}")).isTrue();
        }

        @Test
        void existsFalse_looksAtTheFieldAcrossEveryElementOfAnArray() {
            String p = "{'o': {'k': [{'exists': false}]}}";
            assertThat(matches(p, "{'o': [{'j': 1}, {'j': 2}]}")).isTrue();
            assertThat(matches(p, "{'o': [{'k': 'x'}, {'j': 2}]}")).as("o[0].k exists").isFalse();
            assertThat(matches("{'o': {'k': [{'exists': false}, 'x']}}", "{'o': [{'k': 'x'}, {'j': 2}]}")).isTrue();
        }

        @Test
        void existsFalse_onADynamoDbListOfMaps_looksAtTheAttributeInEveryMap() {
            ChangeRecord r = record(EventName.INSERT).keys(item("pk", s("1")))
                    .newImage(item("pk", s("1"), "Lines", AttributeValue.fromL(List.of(
                            AttributeValue.fromM(Map.of("sku", s("a"))),
                            AttributeValue.fromM(Map.of("qty", n("2")))))))
                    .build();
            assertThat(pattern("{'dynamodb': {'NewImage': {'Lines': {'L': {'M': {'sku': {'S': [{'exists': false}]}}}}}}}")
                    .matches(r)).isFalse();
            assertThat(pattern("{'dynamodb': {'NewImage': {'Lines': {'L': {'M': {'size': {'S': [{'exists': false}]}}}}}}}")
                    .matches(r)).isTrue();
        }

        @Test
        void equalsIgnoreCase_andAnythingButEqualsIgnoreCase_neverBothMatchOneString() {
            for (String pattern : List.of("i", "I", "\u0130", "\u0131", "ss", "\u00df", "\u1e9e", "k", "\u212a",
                    "\u01c5", "\u03c3", "\u03c2")) {
                for (String value : List.of("i", "I", "\u0130", "i\u0307", "\u0131", "ss", "SS", "\u00df",
                        "\u1e9e", "k", "K", "\u212a", "\u01c4", "\u01c5", "\u01c6", "\u03a3", "\u03c3",
                        "\u03c2")) {
                    String event = "{'v': '" + value + "'}";
                    boolean equal = matches("{'v': [{'equals-ignore-case': '" + pattern + "'}]}", event);
                    boolean other = matches("{'v': [{'anything-but': {'equals-ignore-case': '" + pattern + "'}}]}",
                            event);
                    assertThat(equal).as("pattern %s, value %s: equals-ignore-case %s, anything-but %s",
                            pattern, value, equal, other).isNotEqualTo(other);
                }
            }
        }

        @Test
        void equalsIgnoreCase_foldsEachPatternCharacterToItsLowerOrUpperCase() {
            assertThat(matches("{'v': [{'equals-ignore-case': '\u00df'}]}", "{'v': 'SS'}")).isTrue();
            assertThat(matches("{'v': [{'equals-ignore-case': '\u00df'}]}", "{'v': '\u00df'}")).isTrue();
            assertThat(matches("{'v': [{'equals-ignore-case': '\u0130'}]}", "{'v': 'i\u0307'}")).isTrue();
            assertThat(matches("{'v': [{'equals-ignore-case': '\u0130'}]}", "{'v': 'i'}")).isFalse();
        }

        @Test
        void prefixAndSuffix_withEqualsIgnoreCase_areAccepted() {
            String prefix = "{'v': [{'prefix': {'equals-ignore-case': 'us-'}}]}";
            assertThat(matches(prefix, "{'v': 'US-east-1'}")).isTrue();
            assertThat(matches(prefix, "{'v': 'us-west-2'}")).isTrue();
            assertThat(matches(prefix, "{'v': 'eu-west-1'}")).isFalse();
            assertThat(matches(prefix, "{'v': 5}")).isFalse();
            String suffix = "{'v': [{'suffix': {'equals-ignore-case': '.PNG'}}]}";
            assertThat(matches(suffix, "{'v': 'a.png'}")).isTrue();
            assertThat(matches(suffix, "{'v': 'a.Png'}")).isTrue();
            assertThat(matches(suffix, "{'v': 'a.jpg'}")).isFalse();
            assertThat(matches(suffix, "{'v': true}")).isFalse();
        }
    }

    static Stream<Arguments> malformedPatterns() {
        return Stream.of(
                Arguments.of("{'eventName': ['INSERT']", "filter pattern is not valid JSON"),
                Arguments.of("", "filter pattern is empty"),
                Arguments.of("['INSERT']", "filter pattern must be a JSON object such as {\"eventName\": [\"INSERT\"]}, got [\"INSERT\"]"),
                Arguments.of("{}", "filter pattern has no fields"),
                Arguments.of("{'a': [1]} {'b': [2]}", "filter pattern is not valid JSON"),
                Arguments.of("{'a': [1], 'a': [2]}", "Duplicate field"),
                Arguments.of("{'eventName': 'INSERT'}",
                        "eventName: must be an array of values to match, like [\"INSERT\"], or an object of nested fields; got \"INSERT\""),
                Arguments.of("{'dynamodb': {'NewImage': {}}}", "dynamodb.NewImage: is an empty object"),
                Arguments.of("{'eventName': []}", "eventName: is an empty array, which matches nothing"),
                Arguments.of("{'eventName': [['INSERT']]}", "eventName: values must be strings, numbers, booleans, null or operator objects"),
                Arguments.of("{'dynamodb': {'NewImage': {'price': {'N': [{'numeric': 'abc'}]}}}}",
                        "dynamodb.NewImage.price.N: \"numeric\" needs an array like [\">\", 0], got \"abc\""),
                Arguments.of("{'p': [{'numeric': ['>', 0, '<']}]}", "p: \"numeric\" needs one comparison like [\">\", 0] or a range"),
                Arguments.of("{'p': [{'numeric': ['=>', 0]}]}", "p: \"numeric\": unknown comparison \"=>\"; use =, <, <=, >, >="),
                Arguments.of("{'p': [{'numeric': ['>', '0']}]}", "p: \"numeric\" needs a number after \">\", got \"0\""),
                Arguments.of("{'p': [{'numeric': [0, '>']}]}", "p: \"numeric\" needs a comparison (=, <, <=, >, >=) at position 0, got 0"),
                Arguments.of("{'p': [{'numeric': ['=', 1, '<', 5]}]}", "p: \"numeric\" \"=\" cannot be combined with another comparison"),
                Arguments.of("{'p': [{'numeric': ['>', 1, '>=', 5]}]}", "p: \"numeric\" has two lower bounds"),
                Arguments.of("{'p': [{'numeric': ['<', 1, '<=', 5]}]}", "p: \"numeric\" has two upper bounds"),
                Arguments.of("{'p': [{'numeric': ['>', 5, '<', 1]}]}", "p: \"numeric\" range is empty: no number is > 5 and < 1"),
                Arguments.of("{'p': [{'numeric': ['>', 5, '<=', 5]}]}", "p: \"numeric\" range is empty"),
                Arguments.of("{'p': [{'exists': 'yes'}]}", "p: \"exists\" needs true or false, got \"yes\""),
                Arguments.of("{'p': [{'exists': 1}, 'x']}", "p[0]: \"exists\" needs true or false, got 1"),
                Arguments.of("{'p': ['x', {'contains': 'a'}]}", "p[1]: unknown operator \"contains\"; use one of prefix, suffix"),
                Arguments.of("{'p': [{'wildcard': '*.png'}]}", "p: \"wildcard\" is an EventBridge operator that Lambda event filtering does not support"),
                Arguments.of("{'p': [{'prefix': 'a', 'suffix': 'b'}]}", "p: an operator object takes exactly one operator"),
                Arguments.of("{'p': [{}]}", "p: is an empty operator object"),
                Arguments.of("{'p': [{'prefix': 1}]}", "p: \"prefix\" needs a string, like {\"prefix\": \"abc\"}, got 1"),
                Arguments.of("{'p': [{'suffix': ['a']}]}", "p: \"suffix\" needs a string"),
                Arguments.of("{'p': [{'suffix': {'prefix': 'a'}}]}",
                        "p: \"suffix\" takes a string or {\"equals-ignore-case\": \"abc\"}, got {\"prefix\":\"a\"}"),
                Arguments.of("{'p': [{'prefix': {'equals-ignore-case': 1}}]}",
                        "p: \"prefix\": {\"equals-ignore-case\" needs a string"),
                Arguments.of("{'p': [{'equals-ignore-case': null}]}", "p: \"equals-ignore-case\" needs a string"),
                Arguments.of("{'p': [{'anything-but': []}]}", "p: \"anything-but\" needs at least one value, got []"),
                Arguments.of("{'p': [{'anything-but': ['a', 1]}]}", "p: \"anything-but\" mixes strings and numbers"),
                Arguments.of("{'p': [{'anything-but': [true]}]}", "p: \"anything-but\" needs strings or numbers"),
                Arguments.of("{'p': [{'anything-but': {'numeric': ['>', 1]}}]}", "p: \"anything-but\" takes one of prefix, suffix or equals-ignore-case"),
                Arguments.of("{'p': [{'anything-but': {'prefix': ''}}]}", "needs a non-empty string"),
                Arguments.of("{'p': [{'anything-but': {'equals-ignore-case': [1]}}]}", "p: \"anything-but\" with \"equals-ignore-case\" needs strings, got 1"),
                Arguments.of("{'$or': [{'a': [1]}, 'b']}", "$or[1]: each \"$or\" alternative must be a pattern object"),
                Arguments.of("{'$or': []}", "$or: \"$or\" needs a non-empty array of patterns"),
                Arguments.of("{'$or': [{'a': ['x']}, {'b': []}]}", "$or[1].b: is an empty array"),
                Arguments.of("{'dynamodb': {'NewImage': {'first name': {'S': 'Ann'}}}}",
                        "dynamodb.NewImage[\"first name\"].S: must be an array"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("malformedPatterns")
    void parse_whenMalformed_throwsNamingTheOffendingPath(String json, String expectedMessage) {
        assertThatThrownBy(() -> FilterPattern.parse(q(json)))
                .isInstanceOf(InvalidFilterPatternException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(q(expectedMessage).replace('\'', '"'));
    }

    @Test
    void parse_whenMalformed_exposesThePath() {
        assertThatThrownBy(() -> pattern("{'dynamodb': {'NewImage': {'price': {'N': [{'numeric': 'abc'}]}}}}"))
                .isInstanceOfSatisfying(InvalidFilterPatternException.class, e -> {
                    assertThat(e.path()).isEqualTo("dynamodb.NewImage.price.N");
                    assertThat(e.getMessage()).isEqualTo(
                            "dynamodb.NewImage.price.N: \"numeric\" needs an array like [\">\", 0], got \"abc\"");
                });
    }

    @Test
    void parse_whenNull_throwsNullPointerNamingTheArgument() {
        assertThatThrownBy(() -> FilterPattern.parse(null)).isInstanceOf(NullPointerException.class).hasMessage("json");
        assertThatThrownBy(() -> FilterPattern.parse("{}", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("numericMatching");
    }

    /** Matching the record directly must agree with matching its Lambda event JSON, for every kind of value. */
    @Test
    void matches_record_agreesWithMatchingItsLambdaEventJson() throws Exception {
        List<ChangeRecord> records = new ArrayList<>();
        Map<String, AttributeValue> rich = item("pk", s("order-9"), "Status", s("PAID"), "Price", n("12.50"),
                "Flag", AttributeValue.fromBool(false), "Nothing", AttributeValue.fromNul(true),
                "Blob", AttributeValue.fromB(SdkBytes.fromUtf8String("bytes")),
                "Tags", AttributeValue.fromSs(List.of("a", "b")), "Sizes", AttributeValue.fromNs(List.of("1", "2.5")),
                "Blobs", AttributeValue.fromBs(List.of(SdkBytes.fromUtf8String("x"))),
                "Lines", AttributeValue.fromL(List.of(AttributeValue.fromM(item("sku", s("A"), "qty", n("3"))),
                        s("loose"))),
                "Address", AttributeValue.fromM(item("city", s("Paris"), "zip", n("75001"))));
        records.add(record(EventName.MODIFY).keys(item("pk", s("order-9"))).newImage(rich).oldImage(
                item("pk", s("order-9"), "Status", s("NEW"))).build());
        records.add(record(EventName.REMOVE).keys(item("pk", s("order-9"))).oldImage(rich)
                .userIdentity(Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build())
                .build());
        records.add(ChangeRecord.builder().eventName(EventName.INSERT).sequenceNumber("5").build());
        records.add(order(EventName.INSERT, "PAID", "7"));

        List<String> patterns = List.of(
                "{'eventName': ['MODIFY', 'REMOVE']}",
                "{'eventID': ['']}",
                "{'dynamodb': {'NewImage': {'Status': {'S': ['PAID']}}}}",
                "{'dynamodb': {'NewImage': {'Price': {'N': ['12.50']}}}}",
                "{'dynamodb': {'NewImage': {'Price': {'N': [{'numeric': ['>', 1]}]}}}}",
                "{'dynamodb': {'NewImage': {'Flag': {'BOOL': [false]}}, 'Keys': {'pk': {'S': [{'prefix': 'order'}]}}}}",
                "{'dynamodb': {'OldImage': {'Nothing': {'NULL': [true]}}}}",
                "{'dynamodb': {'OldImage': {'Blob': {'B': ['Ynl0ZXM=']}}}}",
                "{'dynamodb': {'OldImage': {'Blobs': {'BS': ['eA==']}}}}",
                "{'dynamodb': {'NewImage': {'Tags': {'SS': [{'anything-but': 'a'}]}}}}",
                "{'dynamodb': {'NewImage': {'Sizes': {'NS': ['2.5']}}}}",
                "{'dynamodb': {'NewImage': {'Lines': {'L': {'M': {'qty': {'N': ['3']}}}}}}}",
                "{'dynamodb': {'NewImage': {'Lines': {'L': {'S': ['loose']}}}}}",
                "{'dynamodb': {'NewImage': {'Address': {'M': {'city': {'S': [{'equals-ignore-case': 'PARIS'}]}}}}}}",
                "{'dynamodb': {'NewImage': [{'exists': false}]}}",
                "{'dynamodb': {'OldImage': {'Status': {'S': [{'exists': true}]}}}}",
                "{'dynamodb': {'ApproximateCreationDateTime': [{'numeric': ['>', 1600000000]}]}}",
                "{'dynamodb': {'SizeBytes': [26], 'SequenceNumber': ['111'], 'StreamViewType': [{'exists': true}]}}",
                "{'userIdentity': {'principalId': [{'suffix': '.amazonaws.com'}]}}",
                "{'userIdentity': [{'exists': false}]}",
                "{'eventSourceARN': [{'prefix': 'arn:aws:dynamodb:'}], 'awsRegion': ['us-east-1']}",
                "{'$or': [{'eventName': ['INSERT']}, {'dynamodb': {'Keys': {'pk': {'S': ['order-9']}}}}]}");
        for (NumericMatching numericMatching : NumericMatching.values()) {
            for (String p : patterns) {
                FilterPattern pattern = FilterPattern.parse(q(p), numericMatching);
                for (ChangeRecord r : records) {
                    JsonNode event = JSON.readTree(r.toLambdaEventJson());
                    assertThat(pattern.matches(r)).as("%s on %s", pattern, r.toLambdaEventJson())
                            .isEqualTo(pattern.matches(event));
                }
            }
        }
    }

    @Nested
    class Criteria {

        @Test
        void matches_whenAnyPatternMatches() {
            FilterCriteria c = FilterCriteria.parse(q("{'eventName': ['REMOVE']}"),
                    q("{'dynamodb': {'NewImage': {'Status': {'S': ['PAID']}}}}"));
            assertThat(c.matches(order(EventName.INSERT, "PAID", "1"))).isTrue();
            assertThat(c.matches(record(EventName.REMOVE).build())).isTrue();
            assertThat(c.matches(order(EventName.INSERT, "NEW", "1"))).isFalse();
            assertThat(c.patterns()).hasSize(2);
        }

        @Test
        void allowsMoreFiltersThanLambdasQuota() {
            String[] patterns = new String[12];
            for (int i = 0; i < patterns.length; i++) {
                patterns[i] = q("{'dynamodb': {'NewImage': {'Status': {'S': ['S" + i + "']}}}}");
            }
            FilterCriteria c = FilterCriteria.parse(patterns);
            assertThat(c.matches(order(EventName.INSERT, "S11", "1"))).isTrue();
            assertThat(c.matches(order(EventName.INSERT, "S12", "1"))).isFalse();
        }

        @Test
        void parse_whenOneIsMalformed_namesWhichFilter() {
            assertThatThrownBy(() -> FilterCriteria.parse(q("{'a': ['x']}"), q("{'b': 'y'}")))
                    .isInstanceOfSatisfying(InvalidFilterPatternException.class, e -> {
                        assertThat(e.getMessage()).startsWith("filter 2 of 2: b: must be an array");
                        assertThat(e.path()).isEqualTo("b");
                    });
        }

        @Test
        void emptyCriteria_isRejected() {
            assertThatThrownBy(() -> FilterCriteria.parse()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("patterns is empty");
            assertThatThrownBy(() -> FilterCriteria.of(List.of())).isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void fromLambdaJson_readsTheDocumentedFilterCriteriaObject() {
            // AWS: { "Filters": [ { "Pattern": "{ \"dynamodb\" : { \"Keys\" : { \"CustomerName\" : … } } }" } ] }
            FilterCriteria c = FilterCriteria.fromLambdaJson("{ \"Filters\": [ { \"Pattern\": "
                    + "\"{ \\\"dynamodb\\\" : { \\\"Keys\\\" : { \\\"CustomerName\\\" : { \\\"S\\\" : "
                    + "[ \\\"AnyCompany Industries\\\" ] } } } }\" } ] }");
            assertThat(c.matches(customer("Pat Candella", null))).isTrue();
            assertThat(c.patterns()).containsExactly(
                    pattern("{'dynamodb': {'Keys': {'CustomerName': {'S': ['AnyCompany Industries']}}}}"));
        }

        @Test
        void fromLambdaJson_whenMalformed_namesTheFilter() {
            assertThatThrownBy(() -> FilterCriteria.fromLambdaJson(q("{'Filters': []}")))
                    .isInstanceOf(InvalidFilterPatternException.class).hasMessageStartingWith("Filters: ");
            assertThatThrownBy(() -> FilterCriteria.fromLambdaJson(q("{'Filters': [{'Pattern': {'a': ['x']}}]}")))
                    .hasMessageStartingWith("Filters[0].Pattern: needs the pattern as a JSON string");
            assertThatThrownBy(() -> FilterCriteria.fromLambdaJson(q("{'Filters': [{'Pattern': '{}'}]}")))
                    .hasMessageStartingWith("Filters[0].Pattern: filter pattern has no fields");
            assertThatThrownBy(() -> FilterCriteria.fromLambdaJson("{"))
                    .hasMessageStartingWith("FilterCriteria is not valid JSON");
        }
    }

    /** Records acknowledgements so tests can check the checkpoint contract. */
    private static final class RecordingCheckpoint implements RecordCheckpoint {
        private final AtomicBoolean acknowledged = new AtomicBoolean();

        @Override
        public void acknowledge() {
            acknowledged.set(true);
        }

        @Override
        public Mono<Void> commit() {
            acknowledge();
            return Mono.empty();
        }

        @Override
        public boolean isAcknowledged() {
            return acknowledged.get();
        }
    }

    private static ChangeRecord tracked(EventName name, String status, int seq) {
        return record(name).sequenceNumber(Integer.toString(seq)).checkpoint(new RecordingCheckpoint())
                .newImage(item("pk", s("o" + seq), "Status", s(status))).build();
    }

    @Nested
    class Operator {

        private final String paid = q("{'dynamodb': {'NewImage': {'Status': {'S': ['PAID']}}}}");

        @Test
        void matching_dropsAndAcknowledgesNonMatching_keepsMatchingUnacknowledged() {
            ChangeRecord r1 = tracked(EventName.INSERT, "NEW", 1);
            ChangeRecord r2 = tracked(EventName.MODIFY, "PAID", 2);
            ChangeRecord r3 = tracked(EventName.MODIFY, "SHIPPED", 3);
            ChangeRecord r4 = tracked(EventName.MODIFY, "PAID", 4);

            StepVerifier.create(Flux.just(r1, r2, r3, r4).transform(Filters.matching(paid)))
                    .expectNext(r2, r4)
                    .verifyComplete();

            assertThat(r1.checkpoint().isAcknowledged()).isTrue();
            assertThat(r3.checkpoint().isAcknowledged()).isTrue();
            assertThat(r2.checkpoint().isAcknowledged()).isFalse();
            assertThat(r4.checkpoint().isAcknowledged()).isFalse();
        }

        @Test
        void matching_withBackpressure_acknowledgesDroppedRecordsAndStillDeliversOnDemand() {
            ChangeRecord r1 = tracked(EventName.INSERT, "NEW", 1);
            ChangeRecord r2 = tracked(EventName.MODIFY, "PAID", 2);
            ChangeRecord r3 = tracked(EventName.MODIFY, "NEW", 3);
            ChangeRecord r4 = tracked(EventName.MODIFY, "PAID", 4);

            StepVerifier.create(Flux.just(r1, r2, r3, r4).transform(Filters.matching(paid)), 0)
                    .expectSubscription()
                    .expectNoEvent(java.time.Duration.ZERO)
                    .then(() -> assertThat(r1.checkpoint().isAcknowledged()).isFalse())
                    .thenRequest(1)
                    .expectNext(r2)
                    .then(() -> {
                        assertThat(r1.checkpoint().isAcknowledged()).isTrue();
                        // not yet pulled: never acknowledged early
                        assertThat(r3.checkpoint().isAcknowledged()).isFalse();
                    })
                    .thenRequest(1)
                    .expectNext(r4)
                    .verifyComplete();
            assertThat(r3.checkpoint().isAcknowledged()).isTrue();
        }

        @Test
        void matching_severalPatterns_areOred() {
            ChangeRecord insert = tracked(EventName.INSERT, "NEW", 1);
            ChangeRecord paidModify = tracked(EventName.MODIFY, "PAID", 2);
            ChangeRecord other = tracked(EventName.MODIFY, "NEW", 3);

            StepVerifier.create(Flux.just(insert, paidModify, other)
                            .transform(Filters.matching(q("{'eventName': ['INSERT']}"), paid)))
                    .expectNext(insert, paidModify)
                    .verifyComplete();
            assertThat(other.checkpoint().isAcknowledged()).isTrue();
        }

        @Test
        void matching_withCriteriaAndDynamoDbNumbers_keepsTheRange() {
            FilterPattern range = FilterPattern.parse(
                    q("{'eventName': ['INSERT'], 'dynamodb': {'NewImage': {'Price': {'N': [{'numeric': ['>', 0, '<=', 5]}]}}}}"),
                    NumericMatching.DYNAMODB_NUMBER_STRINGS);
            ChangeRecord cheap = order(EventName.INSERT, "NEW", "4.99");
            ChangeRecord dear = order(EventName.INSERT, "NEW", "5.01");
            StepVerifier.create(Flux.just(cheap, dear).transform(Filters.matching(FilterCriteria.of(range))))
                    .expectNext(cheap)
                    .verifyComplete();
        }

        @Test
        void matching_whenPatternMalformed_failsAtAssemblyNotInTheFlux() {
            assertThatThrownBy(() -> Filters.matching(q("{'eventName': 'INSERT'}")))
                    .isInstanceOf(InvalidFilterPatternException.class)
                    .hasMessageStartingWith("eventName: must be an array");
        }

        @Test
        void matching_propagatesUpstreamErrorsAndCancellation() {
            ChangeRecord r1 = tracked(EventName.MODIFY, "PAID", 1);
            StepVerifier.create(Flux.just(r1).concatWith(Flux.error(new IllegalStateException("boom")))
                            .transform(Filters.matching(paid)))
                    .expectNext(r1)
                    .verifyErrorMessage("boom");
            StepVerifier.create(Flux.<ChangeRecord>never().transform(Filters.matching(paid)))
                    .expectSubscription()
                    .thenCancel()
                    .verify();
        }
    }
}
