package io.github.ddbstreams.operators.filter;

import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.ddbstreams.record.ChangeRecord;

/**
 * One AWS Lambda event-filtering pattern, parsed once and matched against change records in the JSON shape a
 * Lambda function receives for them ({@link ChangeRecord#toLambdaEventJson()}).
 *
 * <p>The syntax is Lambda's (see "Control which events Lambda sends to your function" and "Using event
 * filtering with a DynamoDB event source" in the AWS Lambda Developer Guide). A pattern is a JSON object whose
 * fields follow the event; every field must match (AND); a leaf is an array of alternatives (OR):
 * <ul>
 *   <li>exact values: {@code "eventName": ["INSERT", "MODIFY"]}, {@code [100]}, {@code [true]}, {@code [null]}
 *       (the field is JSON null), {@code [""]} (the empty string);</li>
 *   <li>{@code {"prefix": "us-"}}, {@code {"suffix": ".png"}}, {@code {"equals-ignore-case": "alice"}},
 *       {@code {"prefix": {"equals-ignore-case": "us-"}}}, {@code {"suffix": {"equals-ignore-case": ".png"}}}
 *       (the last two are EventBridge operators, accepted here as event-ruler accepts them);</li>
 *   <li>{@code {"anything-but": "x"}}, {@code {"anything-but": ["x", "y"]}}, {@code {"anything-but": [1, 2]}},
 *       {@code {"anything-but": {"prefix": "x"}}}, {@code {"anything-but": {"suffix": "x"}}},
 *       {@code {"anything-but": {"equals-ignore-case": ["x", "y"]}}};</li>
 *   <li>{@code {"numeric": ["=", 100]}}, {@code {"numeric": [">", 0, "<=", 5]}} ({@code =, <, <=, >, >=});</li>
 *   <li>{@code {"exists": true}} / {@code {"exists": false}};</li>
 *   <li>{@code "$or": [{…}, {…}]}: any of several sub-patterns (OR across fields).</li>
 * </ul>
 *
 * <p>Semantics, as in Lambda: strings match character by character, numbers by their written form
 * ({@code 300}, {@code 300.0} and {@code 3.0e2} differ; {@code "100"} is a string and never equals {@code 100});
 * a field must be present to match anything but {@code {"exists": false}}; an array in the event matches when
 * any element does; {@code exists}, like every leaf rule, looks at leaves only, so on DynamoDB JSON write
 * {@code "Status": {"S": [{"exists": true}]}}, not {@code "Status": [{"exists": true}]} (which never matches:
 * {@code Status} is an object).
 *
 * <p><b>Where Lambda's guide is silent, event-ruler decides.</b> Lambda filters with the rules of EventBridge,
 * whose engine is event-ruler ({@code software.amazon.event.ruler}); this class is tested against it on random
 * patterns and DynamoDB records, and follows it where the guide says nothing:
 * <ul>
 *   <li>{@code anything-but} in every form ({@code prefix}, {@code suffix}, {@code equals-ignore-case}
 *       included) excludes only the values it names: a number, boolean or null matches
 *       {@code {"anything-but": {"prefix": "x"}}};</li>
 *   <li>{@code {"exists": false}} holds when the event has no leaf at the field's path anywhere: below an array
 *       of objects, every element is looked at ({@code {"o": {"k": [{"exists": false}]}}} does not match
 *       {@code {"o": [{"k": 1}, {}]}});</li>
 *   <li>ignoring case, each character of the pattern matches its lower- or upper-case form
 *       ({@code Locale.ROOT}, which may be longer: {@code ß} matches {@code SS}; {@code İ} matches {@code i̇}, not
 *       {@code i}); {@code equals-ignore-case} and {@code anything-but: {equals-ignore-case}} are exact
 *       complements over strings.</li>
 * </ul>
 * Where the guide speaks and event-ruler differs, this class follows the guide: numbers compare by their
 * written form ({@code [300]} does not match {@code 300.0}; event-ruler compares them by value).
 *
 * <p><b>DynamoDB numbers.</b> In the event a DynamoDB number is a string ({@code "Price": {"N": "1.5"}}), and
 * AWS documents that "DynamoDB event filtering doesn't support the use of numeric operators (numeric equals and
 * numeric range)" because of it: in Lambda, {@code "N": [{"numeric": [">", 0]}]} never matches. {@link #parse}
 * behaves the same (and logs a warning when it sees such a rule). To compare DynamoDB numbers as numbers, parse
 * with {@link NumericMatching#DYNAMODB_NUMBER_STRINGS}: then {@code numeric} under an {@code N} or {@code NS}
 * key also compares the string as a decimal number — an extension Lambda does not have. Exact values compare
 * strings either way: {@code "N": ["101"]} matches the number 101 written as {@code "101"}.
 *
 * <p>Beyond Lambda: Lambda's DynamoDB event source mappings filter only on the {@code dynamodb} key; this
 * matches any field of the event (e.g. {@code eventName}, {@code userIdentity.principalId}).
 *
 * <p>Immutable and thread-safe. Matching a record walks only the paths the pattern names, reading the record
 * directly: the event JSON is never built. {@link #toString()} is the pattern's compact JSON.
 *
 * <pre>{@code
 * FilterPattern paidOrders = FilterPattern.parse("""
 *     {"eventName": ["INSERT", "MODIFY"],
 *      "dynamodb": {"NewImage": {"Status": {"S": ["PAID"]}}}}""");
 * boolean keep = paidOrders.matches(record);
 * }</pre>
 */
public final class FilterPattern {

    /** How {@code numeric} rules treat DynamoDB numbers, which the Lambda event holds as strings. */
    public enum NumericMatching {
        /** As Lambda: {@code numeric} matches JSON numbers only, so never a DynamoDB {@code N} value. */
        LAMBDA,
        /**
         * {@code numeric} rules under an {@code N} or {@code NS} key also compare the string as a decimal number
         * ({@code "N": [{"numeric": [">", 0]}]} matches {@code {"N": "1.5"}}). Not Lambda behaviour.
         */
        DYNAMODB_NUMBER_STRINGS
    }

    private final String json;
    private final NumericMatching numericMatching;
    private final PatternRules.ObjectRule rule;

    private FilterPattern(String json, NumericMatching numericMatching, PatternRules.ObjectRule rule) {
        this.json = json;
        this.numericMatching = numericMatching;
        this.rule = rule;
    }

    /**
     * Parses a pattern with Lambda's semantics ({@link NumericMatching#LAMBDA}).
     *
     * <pre>{@code
     * FilterPattern.parse("{\"dynamodb\": {\"Keys\": {\"CustomerName\": {\"S\": [\"AnyCompany Industries\"]}}}}");
     * }</pre>
     *
     * @param json the pattern, as in a Lambda {@code Filter}'s {@code Pattern}
     * @throws InvalidFilterPatternException naming the JSON path of the offending part when the text is not
     *     valid Lambda filter syntax
     */
    public static FilterPattern parse(String json) {
        return parse(json, NumericMatching.LAMBDA);
    }

    /**
     * Parses a pattern, choosing how {@code numeric} treats DynamoDB numbers.
     *
     * <pre>{@code
     * FilterPattern expensive = FilterPattern.parse(
     *         "{\"dynamodb\": {\"NewImage\": {\"Price\": {\"N\": [{\"numeric\": [\">\", 100]}]}}}}",
     *         FilterPattern.NumericMatching.DYNAMODB_NUMBER_STRINGS);
     * }</pre>
     *
     * @param json the pattern
     * @param numericMatching {@link NumericMatching#LAMBDA} for Lambda's behaviour
     * @throws InvalidFilterPatternException naming the JSON path of the offending part
     */
    public static FilterPattern parse(String json, NumericMatching numericMatching) {
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(numericMatching, "numericMatching");
        JsonNode tree = PatternCompiler.read(json);
        PatternRules.ObjectRule rule = PatternCompiler.compile(tree,
                numericMatching == NumericMatching.DYNAMODB_NUMBER_STRINGS);
        return new FilterPattern(tree.toString(), numericMatching, rule);
    }

    /**
     * Whether the record, in its Lambda event shape, matches. Reads only the fields the pattern names; never
     * throws for any record.
     *
     * <pre>{@code
     * flux.filter(pattern::matches)
     * }</pre>
     */
    public boolean matches(ChangeRecord record) {
        Objects.requireNonNull(record, "record");
        return rule.matches(record);
    }

    /**
     * Whether an event given as a JSON tree (e.g. one element of a Lambda event's {@code Records}) matches.
     *
     * <pre>{@code
     * boolean keep = pattern.matches(new ObjectMapper().readTree(record.toLambdaEventJson()));
     * }</pre>
     */
    public boolean matches(JsonNode event) {
        Objects.requireNonNull(event, "event");
        return rule.matches(event);
    }

    /** How this pattern's {@code numeric} rules treat DynamoDB numbers. */
    public NumericMatching numericMatching() {
        return numericMatching;
    }

    /** The pattern as compact JSON, e.g. {@code {"eventName":["INSERT"]}}. */
    public String json() {
        return json;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof FilterPattern)) {
            return false;
        }
        FilterPattern that = (FilterPattern) o;
        return json.equals(that.json) && numericMatching == that.numericMatching;
    }

    @Override
    public int hashCode() {
        return Objects.hash(json, numericMatching);
    }

    @Override
    public String toString() {
        return numericMatching == NumericMatching.LAMBDA ? json : json + " (" + numericMatching + ")";
    }
}
