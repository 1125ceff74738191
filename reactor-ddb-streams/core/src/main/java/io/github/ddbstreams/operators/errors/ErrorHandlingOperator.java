package io.github.ddbstreams.operators.errors;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;

/**
 * The operator behind {@link ErrorHandling}: runs a {@link BatchProcessor} per batch, one batch at a time per
 * shard, up to {@code concurrency} batches at a time.
 *
 * <p>Built of Reactor's own operators, so it is {@link reactor.core.Scannable} as they are. When a batch's
 * processing stops before its end (cancelled, waiting for its turn or to retry, or failed), its records not yet
 * acknowledged are handed to the discard hook of the subscriber's context.
 */
final class ErrorHandlingOperator implements Function<Flux<RecordBatch>, Flux<BatchResult>> {

    private final ErrorHandlingOptions options;
    private final Function<RecordBatch, Mono<BatchResult>> work;
    private final ErrorHandlingMetrics metrics;

    ErrorHandlingOperator(ErrorHandlingOptions options, Function<RecordBatch, Mono<BatchResult>> work) {
        this.options = options;
        this.work = work;
        this.metrics = ErrorHandlingMetrics.of(options);
    }

    @Override
    public Flux<BatchResult> apply(Flux<RecordBatch> batches) {
        return Flux.defer(() -> {
            ShardSequencer sequencer = new ShardSequencer();
            return batches.flatMap(batch -> {
                long seenAt = options.scheduler().now(TimeUnit.MILLISECONDS);
                BatchProcessor processor = new BatchProcessor(batch, work, options, metrics, seenAt);
                return discardingUnfinished(sequencer.afterPrevious(batch, Mono.defer(processor::process)), processor);
            }, options.concurrency());
        });
    }

    /** Hands the records the processing leaves unacknowledged when cancelled or failed to the discard hook. */
    private static <T> Mono<T> discardingUnfinished(Mono<T> processing, BatchProcessor processor) {
        // doFinally runs once: a cancel that follows an error (flatMap cancels every inner) discards nothing more
        return Mono.deferContextual(context -> processing.doFinally(signal -> {
            if (signal != SignalType.ON_COMPLETE) {
                Operators.onDiscardMultiple(processor.unfinished(), Context.of(context));
            }
        }));
    }

    /**
     * Chains the batches of each shard: a batch starts once the previous batch of each of its shards is done.
     * Holds one entry per shard with a batch in flight (at most {@code concurrency}).
     */
    static final class ShardSequencer {

        private final Map<String, Mono<Void>> tails = new ConcurrentHashMap<>();

        /** Called serially (from flatMap's onNext), so the chain follows arrival order. */
        <T> Mono<T> afterPrevious(RecordBatch batch, Mono<T> processing) {
            Set<String> shards = new LinkedHashSet<>(2);
            for (ChangeRecord record : batch.records()) {
                shards.add(record.streamArn() + '#' + record.shardId());
            }
            if (shards.isEmpty()) {
                return processing;
            }
            Sinks.Empty<Void> done = Sinks.empty();
            Mono<Void> doneSignal = done.asMono();
            List<Mono<Void>> previous = new ArrayList<>(1);
            for (String shard : shards) {
                Mono<Void> before = tails.put(shard, doneSignal);
                if (before != null) {
                    previous.add(before);
                }
            }
            Mono<T> ordered = previous.isEmpty() ? processing : Mono.when(previous).then(processing);
            return ordered.doFinally(signal -> {
                for (String shard : shards) {
                    tails.remove(shard, doneSignal);
                }
                done.tryEmitEmpty();
            });
        }

        int inFlightShards() {
            return tails.size();
        }
    }
}
