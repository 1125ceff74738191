package io.github.ddbstreams.operators.filter;

import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.ddbstreams.record.ChangeRecord;
import reactor.core.publisher.Flux;

/**
 * Keeps the records a {@link FilterCriteria} matches and acknowledges the rest, in the subscriber's thread.
 * Holds no records. Built on {@link Flux#filter}, which hands each record filtered out, acknowledged by then, to
 * the discard hook, and is {@link reactor.core.Scannable}.
 */
final class FilterOperator implements Function<Flux<ChangeRecord>, Flux<ChangeRecord>> {

    private static final Logger log = LoggerFactory.getLogger(FilterOperator.class);

    private final FilterCriteria criteria;

    FilterOperator(FilterCriteria criteria) {
        this.criteria = criteria;
    }

    @Override
    public Flux<ChangeRecord> apply(Flux<ChangeRecord> records) {
        return records.filter(this::keep);
    }

    private boolean keep(ChangeRecord record) {
        if (criteria.matches(record)) {
            return true;
        }
        // A filtered record is done with: acknowledge it so the shard's watermark can pass it.
        record.checkpoint().acknowledge();
        if (log.isDebugEnabled()) {
            log.debug("filtered out {}", record);
        }
        return false;
    }

    @Override
    public String toString() {
        return "Filters.matching(" + criteria + ")";
    }
}
