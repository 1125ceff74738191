package io.github.ddbstreams.operators;

import java.util.function.Function;

import io.github.ddbstreams.record.ChangeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/** The work of {@link Dedupe}: admits a record if its state has not seen it, else acknowledges and drops it. */
final class DedupeOperator implements Function<Flux<ChangeRecord>, Flux<ChangeRecord>> {

    private static final Logger log = LoggerFactory.getLogger(DedupeOperator.class);

    enum Key {
        EVENT_ID,
        SEQUENCE_NUMBER
    }

    private final Key key;
    private final DedupeState state;

    DedupeOperator(Key key, DedupeState state) {
        this.key = key;
        this.state = state;
    }

    @Override
    public Flux<ChangeRecord> apply(Flux<ChangeRecord> records) {
        return records.handle((record, sink) -> {
            if (admit(record)) {
                sink.next(record);
            } else {
                log.debug("{} is a duplicate (by {}): dropped and acknowledged", record, key);
                record.checkpoint().acknowledge();
            }
        });
    }

    private boolean admit(ChangeRecord record) {
        return key == Key.EVENT_ID
                ? state.firstSighting(record.eventId())
                : state.advance(record.shardId(), record.sequenceNumber());
    }
}
