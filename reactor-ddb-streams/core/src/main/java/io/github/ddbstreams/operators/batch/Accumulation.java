package io.github.ddbstreams.operators.batch;

import java.util.Collection;

import io.github.ddbstreams.record.ChangeRecord;

/**
 * What an {@link AccumulatingOperator} accumulates: records grouped by a key (a shard, or one group when
 * shards are mixed) into an open accumulator that closes when full, when a record does not fit, at a
 * deadline, or when the source terminates. Every method but {@link #emitted} is called under the
 * operator's lock, one call at a time.
 *
 * @param <A> the open accumulator
 * @param <R> the result emitted when it closes
 */
interface Accumulation<A, R> {

    /** The group of a record; each group has at most one open accumulator. */
    String key(ChangeRecord record);

    /** A new, empty accumulator for the group of {@code first}, opened at {@code nowMillis}. */
    A open(ChangeRecord first, long nowMillis);

    /** Whether {@code record} may join {@code open}; when not, {@code open} is closed and a new one opened. */
    boolean accepts(A open, ChangeRecord record, long nowMillis);

    /** Adds the record to the accumulator. */
    void add(A open, ChangeRecord record);

    /** Whether the accumulator must close right after an {@link #add}. */
    boolean isFull(A open);

    /** Milliseconds from {@code nowMillis} (when it was opened) until the accumulator closes on its own; > 0. */
    long closeAfterMillis(A open, long nowMillis);

    /** The result of a closed accumulator. */
    R result(A closed);

    /** Called after downstream's {@code onNext} returned for {@code result}, outside the lock. */
    void emitted(R result);

    /** How many records {@code result} holds (for {@code Attr.BUFFERED}). */
    int recordCount(R result);

    /**
     * What to hand to the discard hook when {@code result} is dropped before it was emitted (on cancel): its
     * records, or an object that stands for them when they are not kept.
     */
    Collection<?> discardedResult(R result);

    /** What to hand to the discard hook when the still open {@code open} is dropped (on cancel). */
    Collection<?> discardedOpen(A open);
}
