package io.github.ddbstreams.operators.filter;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.ddbstreams.record.ChangeRecord;

/**
 * Several {@link FilterPattern}s ORed, like a Lambda event source mapping's {@code FilterCriteria}: a record
 * matches when at least one pattern matches. Lambda allows 5 filters (10 on request); any number is allowed
 * here, each one costing a walk of its own paths per record that the earlier ones did not match.
 *
 * <p>Immutable and thread-safe.
 *
 * <pre>{@code
 * FilterCriteria criteria = FilterCriteria.parse(
 *         "{\"eventName\": [\"INSERT\"]}",
 *         "{\"dynamodb\": {\"NewImage\": {\"Status\": {\"S\": [\"PAID\"]}}}}");
 * // or straight from a Lambda event source mapping's configuration:
 * FilterCriteria same = FilterCriteria.fromLambdaJson(
 *         "{\"Filters\": [{\"Pattern\": \"{\\\"eventName\\\": [\\\"INSERT\\\"]}\"}]}");
 * }</pre>
 */
public final class FilterCriteria {

    private final List<FilterPattern> patterns;
    private final FilterPattern[] array;

    private FilterCriteria(List<FilterPattern> patterns) {
        this.patterns = List.copyOf(patterns);
        this.array = this.patterns.toArray(new FilterPattern[0]);
    }

    /**
     * Criteria of parsed patterns.
     *
     * <pre>{@code
     * FilterCriteria.of(FilterPattern.parse(a), FilterPattern.parse(b, NumericMatching.DYNAMODB_NUMBER_STRINGS));
     * }</pre>
     *
     * @throws IllegalArgumentException when no pattern is given (to keep every record, apply no filter)
     */
    public static FilterCriteria of(FilterPattern... patterns) {
        Objects.requireNonNull(patterns, "patterns");
        return of(List.of(patterns));
    }

    /**
     * Criteria of parsed patterns.
     *
     * <pre>{@code
     * FilterCriteria.of(List.of(inserts, paid));
     * }</pre>
     *
     * @throws IllegalArgumentException when no pattern is given
     */
    public static FilterCriteria of(Collection<FilterPattern> patterns) {
        Objects.requireNonNull(patterns, "patterns");
        if (patterns.isEmpty()) {
            throw new IllegalArgumentException("patterns is empty: give at least one filter pattern (to keep every "
                    + "record, apply no filter)");
        }
        for (FilterPattern p : patterns) {
            Objects.requireNonNull(p, "patterns contains null");
        }
        return new FilterCriteria(new ArrayList<>(patterns));
    }

    /**
     * Parses each pattern with Lambda's semantics ({@link FilterPattern#parse(String)}).
     *
     * <pre>{@code
     * FilterCriteria.parse("{\"eventName\": [\"REMOVE\"]}", "{\"eventName\": [\"INSERT\"]}");
     * }</pre>
     *
     * @throws InvalidFilterPatternException for the first invalid pattern, its message starting with
     *     {@code "filter 2 of 3: "}
     */
    public static FilterCriteria parse(String... patterns) {
        Objects.requireNonNull(patterns, "patterns");
        if (patterns.length == 0) {
            throw new IllegalArgumentException("patterns is empty: give at least one filter pattern (to keep every "
                    + "record, apply no filter)");
        }
        List<FilterPattern> parsed = new ArrayList<>(patterns.length);
        for (int i = 0; i < patterns.length; i++) {
            Objects.requireNonNull(patterns[i], "patterns[" + i + "]");
            parsed.add(parseNumbered(patterns[i], i, patterns.length));
        }
        return new FilterCriteria(parsed);
    }

    /**
     * Reads a Lambda {@code FilterCriteria} object as the Lambda API, CLI and CloudFormation take it:
     * {@code {"Filters": [{"Pattern": "<pattern JSON as a string>"}, …]}}. Patterns use Lambda's semantics.
     *
     * <pre>{@code
     * FilterCriteria.fromLambdaJson(Files.readString(Path.of("filter-criteria.json")));
     * }</pre>
     *
     * @throws InvalidFilterPatternException when the object or one of its patterns is invalid; the message
     *     names the filter, e.g. {@code Filters[1].Pattern: …}
     */
    public static FilterCriteria fromLambdaJson(String filterCriteriaJson) {
        Objects.requireNonNull(filterCriteriaJson, "filterCriteriaJson");
        JsonNode root;
        try {
            root = PatternCompiler.read(filterCriteriaJson);
        } catch (InvalidFilterPatternException e) {
            throw new InvalidFilterPatternException(e.getMessage().replace("filter pattern", "FilterCriteria"),
                    "", e.getCause());
        }
        JsonNode filters = root.isObject() ? root.get("Filters") : null;
        if (filters == null || !filters.isArray() || filters.isEmpty()) {
            throw new InvalidFilterPatternException("Filters", "FilterCriteria needs {\"Filters\": [{\"Pattern\": "
                    + "\"…\"}, …]} with at least one filter, got " + PatternCompiler.show(root));
        }
        List<FilterPattern> parsed = new ArrayList<>(filters.size());
        for (int i = 0; i < filters.size(); i++) {
            JsonNode pattern = filters.get(i).get("Pattern");
            String path = "Filters[" + i + "].Pattern";
            if (pattern == null || !pattern.isTextual()) {
                throw new InvalidFilterPatternException(path, "needs the pattern as a JSON string, got "
                        + (pattern == null ? "nothing" : PatternCompiler.show(pattern)));
            }
            try {
                parsed.add(FilterPattern.parse(pattern.textValue()));
            } catch (InvalidFilterPatternException e) {
                throw new InvalidFilterPatternException(path + ": " + e.getMessage(), e.path(), e);
            }
        }
        return new FilterCriteria(parsed);
    }

    private static FilterPattern parseNumbered(String pattern, int index, int count) {
        try {
            return FilterPattern.parse(pattern);
        } catch (InvalidFilterPatternException e) {
            if (count == 1) {
                throw e;
            }
            throw new InvalidFilterPatternException("filter " + (index + 1) + " of " + count + ": " + e.getMessage(),
                    e.path(), e);
        }
    }

    /** The patterns, in the order given. */
    public List<FilterPattern> patterns() {
        return patterns;
    }

    /**
     * Whether at least one pattern matches the record (tried in order, stopping at the first match).
     *
     * <pre>{@code
     * if (criteria.matches(record)) { … }
     * }</pre>
     */
    public boolean matches(ChangeRecord record) {
        Objects.requireNonNull(record, "record");
        for (FilterPattern pattern : array) {
            if (pattern.matches(record)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether at least one pattern matches the event given as a JSON tree.
     *
     * <pre>{@code
     * criteria.matches(mapper.readTree(eventJson));
     * }</pre>
     */
    public boolean matches(JsonNode event) {
        Objects.requireNonNull(event, "event");
        for (FilterPattern pattern : array) {
            if (pattern.matches(event)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FilterCriteria && patterns.equals(((FilterCriteria) o).patterns);
    }

    @Override
    public int hashCode() {
        return patterns.hashCode();
    }

    @Override
    public String toString() {
        return "FilterCriteria" + patterns;
    }
}
