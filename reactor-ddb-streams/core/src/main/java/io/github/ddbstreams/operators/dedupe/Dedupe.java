package io.github.ddbstreams.operators.dedupe;

import java.util.Objects;
import java.util.function.Function;

import io.github.ddbstreams.record.ChangeRecord;
import reactor.core.publisher.Flux;

/**
 * Operators that drop records already emitted: by event id within a bounded window, or per shard by
 * sequence number. A dropped duplicate is acknowledged, so checkpoints keep advancing.
 *
 * <p><b>Where the state lives.</b> The factories taking {@link DedupeOptions} create one
 * {@link DedupeState} when called; every Flux the returned function is applied to, and every
 * re-subscription of it ({@code retry()}, {@code repeat()}, {@code transformDeferred}), shares it. To keep
 * the state across pipelines you build again (a new receiver after a restart in the same JVM), create a
 * {@link DedupeState} yourself and pass it to the factories taking one. State is in memory only: a new JVM
 * starts empty.
 *
 * <p><b>Delivery.</b> By default ({@link DedupeOptions.RememberWhen#ACKNOWLEDGED}) a record is remembered
 * when it is acknowledged, not when it is emitted: a copy of a record whose processing failed (never
 * acknowledged) is delivered again, so nothing is lost; per shard, a copy is dropped only when every record
 * of that shard up to it was acknowledged. With {@link DedupeOptions.RememberWhen#EMITTED} every later copy
 * of an emitted record is dropped (and acknowledged) even if the first copy was never processed: at most
 * once for replays, for pipelines where an emitted record is sure to be processed.
 *
 * <pre>{@code
 * DedupeState state = DedupeState.create();
 * receiver.receive()
 *     .transform(Dedupe.bySequenceNumber(state))
 *     .transform(Dedupe.byEventId(state))
 *     .concatMap(this::process)
 *     .subscribe();
 * }</pre>
 *
 * <p>Memory is bounded as {@link DedupeState} says; records of different shards may arrive on different
 * threads (Reactor serializes them), and a state shared by concurrent subscriptions stays consistent.
 */
public final class Dedupe {

    private Dedupe() {
    }

    /**
     * Drops a record whose event id was already emitted within the window bounded by
     * {@link DedupeOptions#maxSize()} and {@link DedupeOptions#maxAge()} (measured on
     * {@link DedupeOptions#scheduler()}'s clock from the first sighting). Records with an empty event id pass.
     *
     * <pre>{@code
     * flux.transform(Dedupe.byEventId(DedupeOptions.builder().maxSize(10_000)
     *         .maxAge(Duration.ofMinutes(15)).build()));
     * }</pre>
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeRecord>> byEventId(DedupeOptions options) {
        return byEventId(DedupeState.create(options));
    }

    /**
     * Like {@link #byEventId(DedupeOptions)}, remembering in the given state (bounds from its options).
     *
     * <pre>{@code
     * flux.transform(Dedupe.byEventId(state));
     * }</pre>
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeRecord>> byEventId(DedupeState state) {
        return new DedupeOperator(DedupeOperator.Key.EVENT_ID, Objects.requireNonNull(state, "state"));
    }

    /**
     * Drops, per shard, any record whose sequence number is at or below the highest one already emitted for
     * that shard: a replay after a re-subscription, or a shard re-read from a checkpoint behind what was
     * emitted. Records with sequence number {@code 0} (synthetic INSERTs of a table backfill, which are not
     * stream positions) always pass. Tracks at most {@link DedupeOptions#DEFAULT_MAX_SHARDS} shards.
     *
     * <pre>{@code
     * flux.transform(Dedupe.bySequenceNumber()).retry();
     * }</pre>
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeRecord>> bySequenceNumber() {
        return bySequenceNumber(DedupeState.create());
    }

    /**
     * Like {@link #bySequenceNumber()}, tracking at most {@link DedupeOptions#maxShards()} shards.
     *
     * <pre>{@code
     * flux.transform(Dedupe.bySequenceNumber(DedupeOptions.builder().maxShards(500).build()));
     * }</pre>
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeRecord>> bySequenceNumber(DedupeOptions options) {
        return bySequenceNumber(DedupeState.create(options));
    }

    /**
     * Like {@link #bySequenceNumber()}, remembering in the given state, e.g. across receivers.
     *
     * <pre>{@code
     * DedupeState state = DedupeState.create();
     * receiver.receive().transform(Dedupe.bySequenceNumber(state))...
     * // after cancel, a new pipeline with the same state drops what was already emitted
     * }</pre>
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeRecord>> bySequenceNumber(DedupeState state) {
        return new DedupeOperator(DedupeOperator.Key.SEQUENCE_NUMBER, Objects.requireNonNull(state, "state"));
    }
}
