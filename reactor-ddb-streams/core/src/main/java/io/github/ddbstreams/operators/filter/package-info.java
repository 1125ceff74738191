/**
 * Filters: keep the change records matching AWS Lambda event-filtering patterns and acknowledge the others.
 * {@link io.github.ddbstreams.operators.filter.Filters} makes the operators;
 * {@link io.github.ddbstreams.operators.filter.FilterPattern} is one parsed pattern (its javadoc gives the syntax
 * and where it follows event-ruler, the engine behind Lambda's filters) and
 * {@link io.github.ddbstreams.operators.filter.FilterCriteria} a set of them, matched like Lambda's
 * {@code FilterCriteria} (any pattern). A malformed pattern fails at assembly with an
 * {@link io.github.ddbstreams.operators.filter.InvalidFilterPatternException}.
 *
 * <pre>{@code
 * receiver.receive()
 *     .transform(Filters.matching("{\"eventName\": [\"INSERT\"]}"))
 *     .concatMap(r -> index(r).doOnSuccess(ok -> r.checkpoint().acknowledge()))
 *     .subscribe();
 * }</pre>
 */
package io.github.ddbstreams.operators.filter;
