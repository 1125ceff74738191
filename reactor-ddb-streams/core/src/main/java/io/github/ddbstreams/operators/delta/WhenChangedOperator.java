package io.github.ddbstreams.operators.delta;

import java.util.List;
import java.util.function.Function;

import io.github.ddbstreams.record.ChangeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The work of {@link Delta#whenChanged(DeltaOptions, String...)}. It resolves only the requested paths in
 * both images and compares them, instead of computing the whole delta, so unrelated attributes cost nothing.
 * A record it drops is acknowledged, then handed to the discard hook, as {@code Flux#filter} does.
 */
final class WhenChangedOperator implements Function<Flux<ChangeRecord>, Flux<ChangeRecord>> {

    private static final Logger log = LoggerFactory.getLogger(WhenChangedOperator.class);

    private final UnsupportedViewTypePolicy policy;
    private final List<List<Object>> paths;

    WhenChangedOperator(UnsupportedViewTypePolicy policy, List<List<Object>> paths) {
        this.policy = policy;
        this.paths = List.copyOf(paths);
    }

    @Override
    public Flux<ChangeRecord> apply(Flux<ChangeRecord> records) {
        return records.handle((record, sink) -> {
            if (!Delta.supports(Delta.viewType(record), record.eventName())) {
                switch (policy) {
                    case PASS_THROUGH:
                        sink.next(record);
                        return;
                    case DROP:
                        log.debug("{} cannot give a delta (view type {}): dropped and acknowledged", record,
                                Delta.viewType(record));
                        record.checkpoint().acknowledge();
                        Operators.onDiscard(record, Context.of(sink.contextView()));
                        return;
                    default:
                        sink.error(Delta.unsupported(record));
                        return;
                }
            }
            if (matches(record)) {
                sink.next(record);
            } else {
                // filtered out: acknowledged so the shard's checkpoint keeps advancing
                record.checkpoint().acknowledge();
                Operators.onDiscard(record, Context.of(sink.contextView()));
            }
        });
    }

    boolean matches(ChangeRecord record) {
        for (List<Object> path : paths) {
            if (Delta.changedAt(record, path)) {
                return true;
            }
        }
        return false;
    }
}
