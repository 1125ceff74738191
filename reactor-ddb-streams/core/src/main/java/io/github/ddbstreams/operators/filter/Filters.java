package io.github.ddbstreams.operators.filter;

import java.util.Objects;
import java.util.function.Function;

import io.github.ddbstreams.record.ChangeRecord;
import reactor.core.publisher.Flux;

/**
 * Operators that keep only the records matching AWS Lambda event-filtering patterns (see {@link FilterPattern}
 * for the syntax) and acknowledge the others, so the shard checkpoints keep advancing past them.
 *
 * <p>Patterns are parsed when the operator is created, so a malformed pattern fails at assembly with an
 * {@link InvalidFilterPatternException}, never while records flow. The operator holds no records: memory does
 * not grow with the stream; order and demand pass through unchanged (a dropped record is replaced by a request
 * for one more).
 *
 * <pre>{@code
 * receiver.receive()
 *     .transform(Filters.matching(
 *             "{\"eventName\": [\"INSERT\", \"MODIFY\"], \"dynamodb\": {\"NewImage\": {\"Status\": {\"S\": [\"PAID\"]}}}}"))
 *     .concatMap(r -> index(r).doOnSuccess(ok -> r.checkpoint().acknowledge()))
 *     .subscribe();
 * }</pre>
 */
public final class Filters {

    private Filters() {
    }

    /**
     * Keeps the records matching at least one of the patterns (Lambda semantics), acknowledging the others.
     *
     * <pre>{@code
     * flux.transform(Filters.matching("{\"eventName\": [\"REMOVE\"]}", "{\"eventName\": [\"INSERT\"]}"))
     * }</pre>
     *
     * @param patterns one or more Lambda filter patterns, ORed
     * @throws InvalidFilterPatternException when a pattern is malformed, naming the filter and the JSON path
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeRecord>> matching(String... patterns) {
        return matching(FilterCriteria.parse(patterns));
    }

    /**
     * Keeps the records matching at least one of the parsed patterns, acknowledging the others.
     *
     * <pre>{@code
     * flux.transform(Filters.matching(FilterPattern.parse(json, NumericMatching.DYNAMODB_NUMBER_STRINGS)))
     * }</pre>
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeRecord>> matching(FilterPattern... patterns) {
        return matching(FilterCriteria.of(patterns));
    }

    /**
     * Keeps the records the criteria match, acknowledging the others.
     *
     * <pre>{@code
     * flux.transform(Filters.matching(FilterCriteria.fromLambdaJson(filterCriteriaJson)))
     * }</pre>
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeRecord>> matching(FilterCriteria criteria) {
        Objects.requireNonNull(criteria, "criteria");
        return new FilterOperator(criteria);
    }
}
