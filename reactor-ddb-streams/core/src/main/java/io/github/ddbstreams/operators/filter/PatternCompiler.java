package io.github.ddbstreams.operators.filter;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.ddbstreams.operators.filter.PatternRules.LeafRule;
import io.github.ddbstreams.operators.filter.PatternRules.ObjectRule;
import io.github.ddbstreams.operators.filter.PatternRules.Rule;
import io.github.ddbstreams.operators.filter.PatternRules.ValueMatcher;

/**
 * Compiles the JSON text of a Lambda filter pattern into {@link PatternRules}, rejecting anything Lambda would
 * reject with an {@link InvalidFilterPatternException} naming the JSON path of the offending part. Stateless
 * and thread-safe.
 */
final class PatternCompiler {

    private static final Logger log = LoggerFactory.getLogger(PatternCompiler.class);

    /*
     * Explicit mapper: duplicate keys are an error (Lambda rejects them too rather than keeping one), numbers
     * keep their written form (BigDecimal) so exact matching can compare "300" with "300.0" as Lambda does.
     */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private static final Pattern SIMPLE_KEY = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$-]*");

    private static final String OPERATORS = "prefix, suffix, equals-ignore-case, anything-but, numeric, exists";

    private static final int MAX_SHOWN = 60;

    private final boolean dynamoDbNumberStrings;

    private PatternCompiler(boolean dynamoDbNumberStrings) {
        this.dynamoDbNumberStrings = dynamoDbNumberStrings;
    }

    /** Reads the pattern text as JSON. */
    static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidFilterPatternException("filter pattern is not valid JSON: " + e.getOriginalMessage()
                    + locationOf(e), "", e);
        }
    }

    private static String locationOf(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    /** Compiles a parsed pattern; {@code dynamoDbNumberStrings} lets numeric compare N strings. */
    static ObjectRule compile(JsonNode pattern, boolean dynamoDbNumberStrings) {
        if (pattern == null || pattern.isMissingNode()) {
            throw new InvalidFilterPatternException("", "filter pattern is empty; it must be a JSON object such as "
                    + "{\"eventName\": [\"INSERT\"]}");
        }
        if (!pattern.isObject()) {
            throw new InvalidFilterPatternException("", "filter pattern must be a JSON object such as "
                    + "{\"eventName\": [\"INSERT\"]}, got " + show(pattern));
        }
        return new PatternCompiler(dynamoDbNumberStrings).object(pattern, "", List.of());
    }

    /** {@code path}: the display path for messages; {@code fields}: the field names from the root. */
    private ObjectRule object(JsonNode node, String path, List<String> fields) {
        if (node.isEmpty()) {
            throw new InvalidFilterPatternException(path, path.isEmpty()
                    ? "filter pattern has no fields; name at least one, e.g. {\"eventName\": [\"INSERT\"]}"
                    : "is an empty object; name at least one field below it or remove it");
        }
        List<String> names = new ArrayList<>();
        List<Rule> rules = new ArrayList<>();
        List<ObjectRule[]> anyOf = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            String childPath = child(path, name);
            if ("$or".equals(name)) {
                anyOf.add(or(value, childPath, fields));
                continue;
            }
            names.add(name);
            List<String> childFields = new ArrayList<>(fields);
            childFields.add(name);
            if (value.isObject()) {
                rules.add(object(value, childPath, childFields));
            } else if (value.isArray()) {
                rules.add(leaf(value, childPath, childFields));
            } else {
                throw new InvalidFilterPatternException(childPath, "must be an array of values to match, like ["
                        + show(value) + "], or an object of nested fields; got " + show(value));
            }
        }
        return new ObjectRule(names.toArray(new String[0]), rules.toArray(new Rule[0]),
                anyOf.toArray(new ObjectRule[0][]));
    }

    private ObjectRule[] or(JsonNode value, String path, List<String> fields) {
        if (!value.isArray() || value.isEmpty()) {
            throw new InvalidFilterPatternException(path, "\"$or\" needs a non-empty array of patterns, like "
                    + "[{\"a\": [1]}, {\"b\": [2]}], got " + show(value));
        }
        ObjectRule[] alternatives = new ObjectRule[value.size()];
        for (int i = 0; i < value.size(); i++) {
            JsonNode alternative = value.get(i);
            String altPath = path + "[" + i + "]";
            if (!alternative.isObject()) {
                throw new InvalidFilterPatternException(altPath, "each \"$or\" alternative must be a pattern "
                        + "object, got " + show(alternative));
            }
            alternatives[i] = object(alternative, altPath, fields);
        }
        return alternatives;
    }

    private LeafRule leaf(JsonNode array, String path, List<String> fields) {
        String key = fields.get(fields.size() - 1);
        if (array.isEmpty()) {
            throw new InvalidFilterPatternException(path, "is an empty array, which matches nothing; list at "
                    + "least one value (use [null] to match null, [\"\"] for the empty string)");
        }
        List<ValueMatcher> matchers = new ArrayList<>();
        boolean matchesAbsent = false;
        boolean several = array.size() > 1;
        for (int i = 0; i < array.size(); i++) {
            JsonNode element = array.get(i);
            String at = several ? path + "[" + i + "]" : path;
            switch (element.getNodeType()) {
                case STRING:
                    matchers.add(PatternRules.exactString(element.textValue()));
                    break;
                case NUMBER:
                    matchers.add(PatternRules.exactNumber(numberText(element)));
                    break;
                case BOOLEAN:
                    matchers.add(PatternRules.exactBoolean(element.booleanValue()));
                    break;
                case NULL:
                    matchers.add(PatternRules.exactNull());
                    break;
                case OBJECT:
                    if (isExistsFalse(element, at)) {
                        matchesAbsent = true;
                    } else {
                        matchers.add(operator(element, at, key));
                    }
                    break;
                default:
                    throw new InvalidFilterPatternException(at, "values must be strings, numbers, booleans, null "
                            + "or operator objects like {\"prefix\": \"us-\"}; got " + show(element));
            }
        }
        return new LeafRule(matchers.toArray(new ValueMatcher[0]),
                matchesAbsent ? fields.toArray(new String[0]) : null);
    }

    private static boolean isExistsFalse(JsonNode operator, String path) {
        JsonNode exists = operator.get("exists");
        if (exists == null || operator.size() != 1) {
            return false;
        }
        if (!exists.isBoolean()) {
            throw new InvalidFilterPatternException(path, "\"exists\" needs true or false, got " + show(exists));
        }
        return !exists.booleanValue();
    }

    private ValueMatcher operator(JsonNode node, String path, String key) {
        if (node.size() != 1) {
            throw new InvalidFilterPatternException(path, node.isEmpty()
                    ? "is an empty operator object; use one of " + OPERATORS
                    : "an operator object takes exactly one operator (put each in its own object in the array), "
                            + "got " + show(node));
        }
        Map.Entry<String, JsonNode> entry = node.properties().iterator().next();
        String operator = entry.getKey();
        JsonNode operand = entry.getValue();
        switch (operator) {
            case "prefix":
                return operand.isObject() ? PatternRules.prefixIgnoreCase(ignoreCase(operator, operand, path))
                        : PatternRules.prefix(string(operator, operand, path));
            case "suffix":
                return operand.isObject() ? PatternRules.suffixIgnoreCase(ignoreCase(operator, operand, path))
                        : PatternRules.suffix(string(operator, operand, path));
            case "equals-ignore-case":
                return PatternRules.equalsIgnoreCase(string(operator, operand, path));
            case "exists":
                // exists:false is handled by the caller; a non-boolean was rejected there
                return PatternRules.exists();
            case "anything-but":
                return anythingBut(operand, path);
            case "numeric":
                return numeric(operand, path, key);
            case "wildcard":
            case "cidr":
                throw new InvalidFilterPatternException(path, "\"" + operator + "\" is an EventBridge operator "
                        + "that Lambda event filtering does not support; use one of " + OPERATORS);
            default:
                throw new InvalidFilterPatternException(path, "unknown operator \"" + operator + "\"; use one of "
                        + OPERATORS);
        }
    }

    /** The text of {@code {"prefix": {"equals-ignore-case": "…"}}} (or suffix), EventBridge's operators. */
    private static String ignoreCase(String operator, JsonNode operand, String path) {
        JsonNode text = operand.get("equals-ignore-case");
        if (operand.size() != 1 || text == null) {
            throw new InvalidFilterPatternException(path, "\"" + operator + "\" takes a string or "
                    + "{\"equals-ignore-case\": \"abc\"}, got " + show(operand));
        }
        return string(operator + "\": {\"equals-ignore-case", text, path);
    }

    private static String string(String operator, JsonNode operand, String path) {
        if (!operand.isTextual()) {
            throw new InvalidFilterPatternException(path, "\"" + operator + "\" needs a string, like {\""
                    + operator + "\": \"abc\"}, got " + show(operand));
        }
        return operand.textValue();
    }

    private static ValueMatcher anythingBut(JsonNode operand, String path) {
        String op = "\"anything-but\"";
        if (operand.isObject()) {
            if (operand.size() != 1) {
                throw new InvalidFilterPatternException(path, op + " takes one of prefix, suffix or "
                        + "equals-ignore-case when given an object, got " + show(operand));
            }
            Map.Entry<String, JsonNode> inner = operand.properties().iterator().next();
            switch (inner.getKey()) {
                case "prefix":
                    return PatternRules.anythingButPrefix(nonEmpty("anything-but\": {\"prefix",
                            string("prefix", inner.getValue(), path), path));
                case "suffix":
                    return PatternRules.anythingButSuffix(nonEmpty("anything-but\": {\"suffix",
                            string("suffix", inner.getValue(), path), path));
                case "equals-ignore-case":
                    List<String> excluded = new ArrayList<>();
                    for (JsonNode value : list(inner.getValue(), path, op + " with \"equals-ignore-case\"")) {
                        if (!value.isTextual()) {
                            throw new InvalidFilterPatternException(path, op + " with \"equals-ignore-case\" "
                                    + "needs strings, got " + show(value));
                        }
                        excluded.add(value.textValue());
                    }
                    return PatternRules.anythingButIgnoreCase(excluded);
                default:
                    throw new InvalidFilterPatternException(path, op + " takes one of prefix, suffix or "
                            + "equals-ignore-case when given an object, got \"" + inner.getKey() + "\"");
            }
        }
        Set<String> strings = new HashSet<>();
        Set<String> numbers = new HashSet<>();
        for (JsonNode value : list(operand, path, op)) {
            if (value.isTextual()) {
                strings.add(value.textValue());
            } else if (value.isNumber()) {
                numbers.add(numberText(value));
            } else {
                throw new InvalidFilterPatternException(path, op + " needs strings or numbers (or an object with "
                        + "prefix, suffix or equals-ignore-case), got " + show(value));
            }
        }
        if (!strings.isEmpty() && !numbers.isEmpty()) {
            throw new InvalidFilterPatternException(path, op + " mixes strings and numbers, got " + show(operand));
        }
        return PatternRules.anythingBut(strings, numbers);
    }

    private static String nonEmpty(String operator, String value, String path) {
        if (value.isEmpty()) {
            throw new InvalidFilterPatternException(path, "\"" + operator + "\" needs a non-empty string");
        }
        return value;
    }

    /** A single value or a non-empty array of values. */
    private static Iterable<JsonNode> list(JsonNode operand, String path, String what) {
        if (operand.isArray()) {
            if (operand.isEmpty()) {
                throw new InvalidFilterPatternException(path, what + " needs at least one value, got []");
            }
            return operand;
        }
        return List.of(operand);
    }

    private ValueMatcher numeric(JsonNode operand, String path, String key) {
        String op = "\"numeric\"";
        if (!operand.isArray() || operand.isEmpty()) {
            throw new InvalidFilterPatternException(path, op + " needs an array like [\">\", 0], got "
                    + show(operand));
        }
        if (operand.size() != 2 && operand.size() != 4) {
            throw new InvalidFilterPatternException(path, op + " needs one comparison like [\">\", 0] or a range "
                    + "like [\">\", 0, \"<=\", 5], got " + show(operand));
        }
        BigDecimal lower = null;
        BigDecimal upper = null;
        boolean lowerInclusive = false;
        boolean upperInclusive = false;
        for (int i = 0; i < operand.size(); i += 2) {
            JsonNode comparison = operand.get(i);
            JsonNode bound = operand.get(i + 1);
            if (!comparison.isTextual()) {
                throw new InvalidFilterPatternException(path, op + " needs a comparison (=, <, <=, >, >=) at "
                        + "position " + i + ", got " + show(comparison));
            }
            String cmp = comparison.textValue();
            if (!bound.isNumber()) {
                throw new InvalidFilterPatternException(path, op + " needs a number after \"" + cmp + "\", got "
                        + show(bound));
            }
            BigDecimal value = bound.decimalValue();
            switch (cmp) {
                case "=":
                    if (operand.size() != 2) {
                        throw new InvalidFilterPatternException(path, op + " \"=\" cannot be combined with another "
                                + "comparison, got " + show(operand));
                    }
                    lower = value;
                    upper = value;
                    lowerInclusive = true;
                    upperInclusive = true;
                    break;
                case ">":
                case ">=":
                    if (lower != null) {
                        throw new InvalidFilterPatternException(path, op + " has two lower bounds; a range needs "
                                + "one of > >= and one of < <=, got " + show(operand));
                    }
                    lower = value;
                    lowerInclusive = cmp.length() == 2;
                    break;
                case "<":
                case "<=":
                    if (upper != null) {
                        throw new InvalidFilterPatternException(path, op + " has two upper bounds; a range needs "
                                + "one of > >= and one of < <=, got " + show(operand));
                    }
                    upper = value;
                    upperInclusive = cmp.length() == 2;
                    break;
                default:
                    throw new InvalidFilterPatternException(path, op + ": unknown comparison \"" + cmp
                            + "\"; use =, <, <=, >, >=");
            }
        }
        if (lower != null && upper != null && operand.size() == 4) {
            int c = lower.compareTo(upper);
            if (c > 0 || (c == 0 && !(lowerInclusive && upperInclusive))) {
                throw new InvalidFilterPatternException(path, op + " range is empty: no number is "
                        + (lowerInclusive ? ">= " : "> ") + lower.toPlainString() + " and "
                        + (upperInclusive ? "<= " : "< ") + upper.toPlainString() + ", got " + show(operand));
            }
        }
        boolean numberStrings = dynamoDbNumberStrings && ("N".equals(key) || "NS".equals(key));
        if (!dynamoDbNumberStrings && ("N".equals(key) || "NS".equals(key))) {
            log.warn("filter pattern at {} uses \"numeric\" on a DynamoDB number, which the event holds as a string: "
                    + "as in Lambda it never matches; parse with NumericMatching.DYNAMODB_NUMBER_STRINGS to compare "
                    + "N values as numbers", path);
        }
        return PatternRules.numeric(lower, lowerInclusive, upper, upperInclusive, numberStrings);
    }

    private static String numberText(JsonNode number) {
        return number.isBigDecimal() ? number.decimalValue().toString() : number.asText();
    }

    /** The JSON of a part of the pattern for a message (the pattern is configuration, never item data). */
    static String show(JsonNode node) {
        String text = node.getNodeType() == JsonNodeType.MISSING ? "nothing" : node.toString();
        return text.length() <= MAX_SHOWN ? text : text.substring(0, MAX_SHOWN) + "…";
    }

    private static String child(String path, String key) {
        if (SIMPLE_KEY.matcher(key).matches()) {
            return path.isEmpty() ? key : path + "." + key;
        }
        return path + "[" + MAPPER.getNodeFactory().textNode(key) + "]";
    }
}
