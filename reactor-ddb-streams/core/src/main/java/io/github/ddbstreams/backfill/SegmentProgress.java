package io.github.ddbstreams.backfill;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.ddbstreams.internal.AckWatermark;
import io.github.ddbstreams.internal.SerialCommits;
import io.github.ddbstreams.record.RecordCheckpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The acknowledged position of one scan segment, and its saving.
 *
 * <p>Pages are tracked in the order they were read; the position moves past a page once every item of it
 * and of every earlier page is acknowledged ({@link AckWatermark}, a slot per page, acknowledged when its
 * last item is). Saves run one at a time ({@link SerialCommits}) and always write the newest position, so the
 * store never moves back. On top of those two: counting each page's items, and the page's scan key as the
 * position. Memory: one small entry per page emitted and not yet fully acknowledged. Thread-safe:
 * acknowledgements come from any thread.
 */
final class SegmentProgress {

    private static final Logger log = LoggerFactory.getLogger(SegmentProgress.class);

    private final BackfillPositionStore store;
    private final String backfillId;
    private final SerialCommits saves = new SerialCommits(this::saveOnce);

    private final Object lock = new Object();
    private final AckWatermark<Page> pages = new AckWatermark<>();
    private BackfillPosition position;
    private long version;
    private long savedVersion;

    SegmentProgress(BackfillPositionStore store, String backfillId, BackfillPosition start) {
        this.store = store;
        this.backfillId = backfillId;
        this.position = start;
    }

    /** Tracks a page just read; its items' checkpoints come from {@link Page#checkpoint()}. */
    Page newPage(int items, Map<String, AttributeValue> lastEvaluatedKey) {
        Page page = new Page(items, lastEvaluatedKey);
        synchronized (lock) {
            pages.track(page);
        }
        if (items == 0) {
            advance(page);
        }
        return page;
    }

    /** The acknowledged position (what the next save writes). */
    BackfillPosition position() {
        synchronized (lock) {
            return position;
        }
    }

    /** Every item of the page was acknowledged: the position moves past the acknowledged pages. */
    private void advance(Page page) {
        synchronized (lock) {
            Page before = pages.lastReleased();
            pages.acknowledge(page);
            Page last = pages.lastReleased();
            if (last == before) {
                return;
            }
            // pages are released in scan order and only the last page has no key after it
            position = last.lastEvaluatedKey.isEmpty() ? position.completed() : position.after(last.lastEvaluatedKey);
            version++;
        }
        saves.commitLater();
    }

    /** Saves the newest position unless it is saved already. */
    private Mono<Void> saveOnce() {
        BackfillPosition toSave;
        long target;
        synchronized (lock) {
            if (savedVersion >= version) {
                return Mono.empty();
            }
            toSave = position;
            target = version;
        }
        return store.save(backfillId, List.of(toSave))
                .doOnSuccess(done -> {
                    synchronized (lock) {
                        savedVersion = Math.max(savedVersion, target);
                    }
                })
                .doOnError(error -> log.warn("Saving the position of backfill '{}' segment {} failed; the next"
                        + " acknowledgement retries", backfillId, toSave.segment(), error));
    }

    /** Completes once the position acknowledged now is saved. */
    Mono<Void> commit() {
        return Mono.defer(() -> {
            synchronized (lock) {
                if (savedVersion >= version) {
                    return Mono.empty();
                }
            }
            return saves.commit();
        });
    }

    /** One page read from the segment: its items still to acknowledge and the key after it. */
    final class Page extends AckWatermark.Slot {
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
                advance(this);
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
