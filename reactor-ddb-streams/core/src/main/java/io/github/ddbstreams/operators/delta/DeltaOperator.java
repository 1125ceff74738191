package io.github.ddbstreams.operators.delta;

import java.util.function.Function;

import io.github.ddbstreams.record.ChangeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The work of {@link Delta#deltas(DeltaOptions)}: one record in, at most one delta out, no state. A record it
 * drops is acknowledged, then handed to the discard hook, as {@code Flux#filter} does.
 */
final class DeltaOperator implements Function<Flux<ChangeRecord>, Flux<ChangeDelta>> {

    private static final Logger log = LoggerFactory.getLogger(DeltaOperator.class);

    private final UnsupportedViewTypePolicy policy;

    DeltaOperator(UnsupportedViewTypePolicy policy) {
        this.policy = policy;
    }

    @Override
    public Flux<ChangeDelta> apply(Flux<ChangeRecord> records) {
        return records.handle((record, sink) -> {
            if (Delta.supports(Delta.viewType(record), record.eventName())) {
                sink.next(Delta.compute(record));
                return;
            }
            switch (policy) {
                case PASS_THROUGH:
                    log.debug("{} cannot give a delta (view type {}): passed through as incomplete", record,
                            Delta.viewType(record));
                    sink.next(ChangeDelta.incomplete(record));
                    break;
                case DROP:
                    log.debug("{} cannot give a delta (view type {}): dropped and acknowledged", record,
                            Delta.viewType(record));
                    record.checkpoint().acknowledge();
                    Operators.onDiscard(record, Context.of(sink.contextView()));
                    break;
                default:
                    sink.error(Delta.unsupported(record));
            }
        });
    }
}
