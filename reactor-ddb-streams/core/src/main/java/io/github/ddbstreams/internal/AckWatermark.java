package io.github.ddbstreams.internal;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A watermark over out-of-order acknowledgements: slots are tracked in order, acknowledged in any order, and
 * the watermark is the last slot of the longest acknowledged prefix. Slots below it are released (forgotten);
 * memory is one entry per slot tracked and not yet released.
 *
 * <p>Used by the receiver's shard checkpoints (a slot per record), the backfill's segment positions (a slot
 * per page) and the dedupe operators' acknowledged positions (a slot per record emitted). Each keeps its own
 * position type by extending {@link Slot}.
 *
 * <p><b>Threading.</b> Not thread-safe: the owner guards every call with its own lock, so that it can update
 * its other state atomically with the watermark. {@link Slot#isAcknowledged()} may be read without it.
 *
 * <pre>{@code
 * AckWatermark<Page> pages = new AckWatermark<>();
 * pages.track(first);
 * pages.track(second);
 * pages.acknowledge(second); // lastReleased() == null: the first is not acknowledged yet
 * pages.acknowledge(first);  // lastReleased() == second
 * }</pre>
 *
 * @param <S> the slot type, carrying the owner's position
 */
public final class AckWatermark<S extends AckWatermark.Slot> {

    private final ArrayDeque<S> pending = new ArrayDeque<>();
    private int unacknowledged;
    private S lastReleased;

    /** An empty watermark: nothing tracked, nothing released. */
    public AckWatermark() {
    }

    /**
     * Tracks a new slot after every slot tracked so far.
     *
     * @throws IllegalStateException if the slot is acknowledged or tracked already (a slot is tracked once)
     */
    public void track(S slot) {
        claim(slot);
        pending.addLast(slot);
        unacknowledged++;
    }

    /**
     * Tracks a new slot that needs no acknowledgement (e.g. a record skipped): released at once when nothing
     * is pending.
     *
     * @return whether the watermark moved (to this slot)
     * @throws IllegalStateException if the slot is acknowledged or tracked already
     */
    public boolean trackAcknowledged(S slot) {
        claim(slot);
        slot.acknowledged = true;
        if (pending.isEmpty()) {
            slot.owner = null;
            lastReleased = slot;
            return true;
        }
        pending.addLast(slot);
        return false;
    }

    private void claim(S slot) {
        Objects.requireNonNull(slot, "slot");
        if (slot.owner != null || slot.acknowledged) {
            throw new IllegalStateException("slot " + slot + " is tracked already");
        }
        slot.owner = this;
    }

    /**
     * Acknowledges a slot and releases the acknowledged prefix. A slot already acknowledged, untracked (see
     * {@link #untrackLastWhile}) or tracked by another watermark is only marked acknowledged.
     *
     * @return whether the slot was pending here and not acknowledged before (the caller's counts changed)
     */
    public boolean acknowledge(S slot) {
        if (slot.acknowledged) {
            return false;
        }
        slot.acknowledged = true;
        if (slot.owner != this) {
            return false;
        }
        unacknowledged--;
        S head;
        while ((head = pending.peekFirst()) != null && head.acknowledged) {
            pending.pollFirst();
            head.owner = null;
            lastReleased = head;
        }
        return true;
    }

    /**
     * Forgets the newest pending slots while they match, e.g. records read but never delivered: no
     * acknowledgement will come for them, so they must not hold the watermark back.
     *
     * @return how many slots were forgotten
     */
    public int untrackLastWhile(Predicate<? super S> matches) {
        int removed = 0;
        S last;
        while ((last = pending.peekLast()) != null && matches.test(last)) {
            pending.pollLast();
            last.owner = null;
            if (!last.acknowledged) {
                unacknowledged--;
            }
            removed++;
        }
        return removed;
    }

    /** The last slot of the longest acknowledged prefix released so far, or null when none was. */
    public S lastReleased() {
        return lastReleased;
    }

    /** Slots tracked and not yet released (acknowledged or not). */
    public int size() {
        return pending.size();
    }

    /** Whether every slot tracked is released. */
    public boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Slots tracked and not acknowledged. */
    public int unacknowledged() {
        return unacknowledged;
    }

    /** The oldest slot tracked and not acknowledged, or null when none. */
    public S oldestUnacknowledged() {
        if (unacknowledged == 0) {
            return null;
        }
        for (Iterator<S> it = pending.iterator(); it.hasNext(); ) {
            S slot = it.next();
            if (!slot.acknowledged) {
                return slot;
            }
        }
        return null;
    }

    /** The newest slot not released, or null when none. */
    public S newest() {
        return pending.peekLast();
    }

    /**
     * One position in an {@link AckWatermark}; subclasses carry the position (a sequence number, a page's
     * key). A slot is tracked by one watermark, once.
     */
    public abstract static class Slot {
        /** The watermark holding this slot pending, or null; guarded by that watermark's owner. */
        Object owner;
        volatile boolean acknowledged;

        /** A slot not tracked yet. */
        protected Slot() {
        }

        /** Whether the slot was acknowledged; may be read from any thread. */
        public boolean isAcknowledged() {
            return acknowledged;
        }
    }
}
