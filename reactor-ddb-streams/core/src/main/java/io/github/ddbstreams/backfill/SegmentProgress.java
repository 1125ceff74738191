package io.github.ddbstreams.backfill;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.ddbstreams.record.RecordCheckpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The acknowledged position of one scan segment, and its saving.
 *
 * <p>Pages are tracked in the order they were read; the position moves past a page once every item of it
 * and of every earlier page is acknowledged (a watermark of pages). Saves run one at a time and always
 * write the newest position, so the store never moves back. Memory: one small entry per page emitted and
 * not yet fully acknowledged. Thread-safe: acknowledgements come from any thread.
 */
final class SegmentProgress {

    private static final Logger log = LoggerFactory.getLogger(SegmentProgress.class);

    private final BackfillPositionStore store;
    private final String backfillId;

    private final Object lock = new Object();
    private final ArrayDeque<Page> pages = new ArrayDeque<>();
    private BackfillPosition position;
    private long version;
    private long savedVersion;
    private boolean saving;
    private final List<Waiter> waiters = new ArrayList<>();

    SegmentProgress(BackfillPositionStore store, String backfillId, BackfillPosition start) {
        this.store = store;
        this.backfillId = backfillId;
        this.position = start;
    }

    /** Tracks a page just read; its items' checkpoints come from {@link Page#checkpoint()}. */
    Page newPage(int items, Map<String, AttributeValue> lastEvaluatedKey) {
        Page page = new Page(items, lastEvaluatedKey);
        synchronized (lock) {
            pages.add(page);
        }
        if (items == 0) {
            advance();
        }
        return page;
    }

    /** The acknowledged position (what the next save writes). */
    BackfillPosition position() {
        synchronized (lock) {
            return position;
        }
    }

    private void advance() {
        boolean moved = false;
        synchronized (lock) {
            Page head;
            while ((head = pages.peek()) != null && head.remaining.get() == 0) {
                pages.poll();
                position = head.lastEvaluatedKey.isEmpty() ? position.completed() : position.after(head.lastEvaluatedKey);
                version++;
                moved = true;
            }
        }
        if (moved) {
            saveLatest();
        }
    }

    /** Saves the newest position unless a save runs (it saves again when done) or it is already saved. */
    private void saveLatest() {
        BackfillPosition toSave;
        long target;
        synchronized (lock) {
            if (saving || savedVersion == version) {
                return;
            }
            saving = true;
            toSave = position;
            target = version;
        }
        store.save(backfillId, List.of(toSave)).subscribe(null, error -> saved(target, error), () -> saved(target, null));
    }

    private void saved(long target, Throwable error) {
        List<Waiter> done = new ArrayList<>();
        synchronized (lock) {
            saving = false;
            if (error == null) {
                savedVersion = Math.max(savedVersion, target);
            }
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter waiter = it.next();
                if (waiter.version <= target) {
                    done.add(waiter);
                    it.remove();
                }
            }
        }
        if (error != null) {
            log.warn("Saving the position of backfill '{}' segment {} failed; the next acknowledgement retries",
                    backfillId, position().segment(), error);
        }
        for (Waiter waiter : done) {
            if (error == null) {
                waiter.sink.tryEmitEmpty();
            } else {
                waiter.sink.tryEmitError(error);
            }
        }
        if (error == null) {
            saveLatest();
        }
    }

    /** Completes once the position acknowledged now is saved. */
    Mono<Void> commit() {
        return Mono.defer(() -> {
            Sinks.Empty<Void> sink = Sinks.empty();
            synchronized (lock) {
                if (savedVersion >= version) {
                    return Mono.empty();
                }
                waiters.add(new Waiter(version, sink));
            }
            saveLatest();
            return sink.asMono();
        });
    }

    /** A waiter of {@link #commit()}. */
    private record Waiter(long version, Sinks.Empty<Void> sink) {
    }

    /** One page read from the segment: its items still to acknowledge and the key after it. */
    final class Page {
        private final AtomicInteger remaining;
        private final Map<String, AttributeValue> lastEvaluatedKey;

        private Page(int items, Map<String, AttributeValue> lastEvaluatedKey) {
            this.remaining = new AtomicInteger(items);
            this.lastEvaluatedKey = lastEvaluatedKey;
        }

        /** A checkpoint for one item of this page. */
        RecordCheckpoint checkpoint() {
            return new ItemCheckpoint(this);
        }

        private void acknowledged() {
            if (remaining.decrementAndGet() == 0) {
                advance();
            }
        }
    }

    /** The checkpoint of one backfill record: acknowledging it counts its item done in its page. */
    private final class ItemCheckpoint implements RecordCheckpoint {
        private final Page page;
        private final AtomicBoolean acknowledged = new AtomicBoolean();

        private ItemCheckpoint(Page page) {
            this.page = page;
        }

        @Override
        public void acknowledge() {
            if (acknowledged.compareAndSet(false, true)) {
                page.acknowledged();
            }
        }

        @Override
        public Mono<Void> commit() {
            acknowledge();
            return SegmentProgress.this.commit();
        }

        @Override
        public boolean isAcknowledged() {
            return acknowledged.get();
        }
    }
}
