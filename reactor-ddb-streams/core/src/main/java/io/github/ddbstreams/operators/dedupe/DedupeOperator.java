package io.github.ddbstreams.operators.dedupe;

import java.util.function.Function;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.RecordCheckpoint;
import io.github.ddbstreams.record.SequenceNumbers;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The work of {@link Dedupe}: admits a record if its state has not seen it, else acknowledges and drops it,
 * handing it to the discard hook as {@code Flux#filter} does.
 */
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
        boolean onAcknowledge = state.options().rememberWhen() == DedupeOptions.RememberWhen.ACKNOWLEDGED;
        return records.handle((record, sink) -> {
            if (key == Key.SEQUENCE_NUMBER && isSynthetic(record)) {
                // backfill records all carry sequence number 0: they are not stream positions to compare
                sink.next(record);
                return;
            }
            ChangeRecord admitted = onAcknowledge ? admitUntilAcknowledged(record) : (admit(record) ? record : null);
            if (admitted != null) {
                sink.next(admitted);
            } else {
                log.debug("{} is a duplicate (by {}): dropped and acknowledged", record, key);
                record.checkpoint().acknowledge();
                Operators.onDiscard(record, Context.of(sink.contextView()));
            }
        });
    }

    private static boolean isSynthetic(ChangeRecord record) {
        return SequenceNumbers.compare(record.sequenceNumber(), "0") == 0;
    }

    /** Drops what was acknowledged before; passes the rest with a checkpoint that remembers it when acknowledged. */
    private ChangeRecord admitUntilAcknowledged(ChangeRecord record) {
        RecordCheckpoint original = record.checkpoint();
        if (key == Key.EVENT_ID) {
            if (state.seenEventId(record.eventId())) {
                return null;
            }
            String eventId = record.eventId();
            return record.toBuilder().checkpoint(new RememberingCheckpoint(original, () -> state.firstSighting(eventId)))
                    .build();
        }
        if (state.acknowledgedUpTo(record.shardId(), record.sequenceNumber())) {
            return null;
        }
        DedupeState.InFlight entry = state.emitted(record.shardId(), record.sequenceNumber());
        String shardId = record.shardId();
        return record.toBuilder().checkpoint(new RememberingCheckpoint(original, () -> state.acknowledged(shardId, entry)))
                .build();
    }

    /** Acknowledges the record's own checkpoint, then tells the dedupe state. */
    private static final class RememberingCheckpoint implements RecordCheckpoint {
        private final RecordCheckpoint delegate;
        private final Runnable remember;
        private volatile boolean acknowledged;

        RememberingCheckpoint(RecordCheckpoint delegate, Runnable remember) {
            this.delegate = delegate;
            this.remember = remember;
        }

        @Override
        public void acknowledge() {
            delegate.acknowledge();
            if (!acknowledged) {
                acknowledged = true;
                remember.run();
            }
        }

        @Override
        public Mono<Void> commit() {
            return Mono.defer(() -> {
                acknowledge();
                return delegate.commit();
            });
        }

        @Override
        public boolean isAcknowledged() {
            return acknowledged || delegate.isAcknowledged();
        }
    }

    private boolean admit(ChangeRecord record) {
        return key == Key.EVENT_ID
                ? state.firstSighting(record.eventId())
                : state.advance(record.shardId(), record.sequenceNumber());
    }
}
