package io.github.ddbstreams.receiver.internal;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.internal.AckWatermark;
import io.github.ddbstreams.record.RecordCheckpoint;
import io.github.ddbstreams.record.SequenceNumbers;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The acknowledgement watermark of one shard.
 *
 * <p>Records are tracked in sequence order when they are read; acknowledgements may come in any order and
 * from any thread. The watermark is the sequence number of the last record of the longest acknowledged
 * prefix ({@link AckWatermark}, a slot per record). Memory: one small entry per record read but not yet below
 * the watermark, which the poller bounds ({@code maxUnacknowledgedPerShard}).
 *
 * <p>On top of the watermark: the stored checkpoint (what to commit, whether a revoked shard's record is
 * covered), the shard's end, the in-flight bound that holds the reading loop back, and {@link #drained()}.
 *
 * <p>The reading loop is woken ({@code wake}) when acknowledgements <em>settle</em> the shard (its end was
 * read and everything is acknowledged: its children may start) and when they release a shard held back by
 * the in-flight bound; not on every acknowledgement.
 */
final class ShardCheckpointer {

    private final String shardId;
    private final Supplier<Mono<Void>> commitAction;
    private final LongSupplier clockMillis;
    private final Runnable wake;
    private final AckWatermark<Entry> pending = new AckWatermark<>();
    /** Set while the poller waits for the pending count to fall to this (or below), else -1. */
    private int resumeAt = -1;

    /** The stored sequence number, the watermark until a record is released. */
    private final String storedWatermark;
    /** The shard was read to its end (every record is tracked). */
    private boolean endReached;
    /** What the store holds for this shard. */
    private ShardCheckpoint saved;
    /** The shard is no longer this worker's (lease lost or handed over). */
    private volatile boolean revoked;
    /** Completed once every record tracked is acknowledged (see {@link #drained()}); created on first use. */
    private Sinks.Empty<Void> drained;

    ShardCheckpointer(String shardId, ShardCheckpoint stored, Supplier<Mono<Void>> commitAction) {
        this(shardId, stored, commitAction, () -> 0L, () -> { });
    }

    ShardCheckpointer(String shardId, ShardCheckpoint stored, Supplier<Mono<Void>> commitAction,
            LongSupplier clockMillis, Runnable wake) {
        this.shardId = shardId;
        this.commitAction = commitAction;
        this.clockMillis = clockMillis;
        this.wake = wake;
        this.saved = stored;
        this.storedWatermark = stored == null ? null : stored.sequenceNumber();
    }

    String shardId() {
        return shardId;
    }

    /** Tracks a record that will be delivered; returns its checkpoint handle. */
    synchronized Entry track(String sequenceNumber) {
        Entry entry = new Entry(this, sequenceNumber, clockMillis.getAsLong());
        pending.track(entry);
        return entry;
    }

    /** A record read but not delivered (filtered by a start timestamp): it counts as acknowledged. */
    synchronized void skip(String sequenceNumber) {
        pending.trackAcknowledged(new Entry(this, sequenceNumber, clockMillis.getAsLong()));
    }

    /** Every record of the shard was read. */
    synchronized void markEndReached() {
        endReached = true;
    }

    synchronized boolean isEnded() {
        return endReached && pending.isEmpty();
    }

    /** Highest sequence number with everything at or below it acknowledged (or skipped), or null. */
    synchronized String watermark() {
        Entry released = pending.lastReleased();
        return released == null ? storedWatermark : released.sequenceNumber;
    }

    /**
     * Forgets the records tracked from {@code sequenceNumber} on: they were read but never delivered (the shard
     * stopped being read with them still buffered), so no acknowledgement will come for them, and the shard is no
     * longer read to its end. Records are tracked in sequence order, so they are the last ones.
     */
    synchronized void untrackFrom(String sequenceNumber) {
        if (pending.untrackLastWhile(entry -> SequenceNumbers.compare(entry.sequenceNumber, sequenceNumber) >= 0) > 0) {
            endReached = false;
        }
    }

    /**
     * Completes once every record tracked (delivered) is acknowledged, at once when none is pending, or when the
     * shard is {@linkplain #revoke() revoked}: a lease given away waits for it (bounded) before the final commit.
     */
    Mono<Void> drained() {
        Sinks.Empty<Void> sink;
        boolean done;
        synchronized (this) {
            if (drained == null) {
                drained = Sinks.empty();
            }
            sink = drained;
            done = pending.isEmpty() || revoked;
        }
        if (done) {
            sink.tryEmitEmpty();
        }
        return sink.asMono();
    }

    /** Records delivered and not acknowledged yet. */
    synchronized int unacknowledgedCount() {
        return pending.unacknowledged();
    }

    /** Records tracked and not yet below the watermark. */
    synchronized int pendingCount() {
        return pending.size();
    }

    /**
     * Whether {@code room} more records may be read without exceeding {@code max} unacknowledged ones; when
     * not, the wake callback runs once acknowledgements have made that room.
     */
    synchronized boolean hasRoom(int room, int max) {
        if (pending.size() + room <= max) {
            resumeAt = -1;
            return true;
        }
        resumeAt = max - room;
        return false;
    }

    /** When the oldest record read and not yet acknowledged was read (clock millis), or -1 when none. */
    synchronized long oldestUnacknowledgedMillis() {
        Entry oldest = pending.oldestUnacknowledged();
        return oldest == null ? -1 : oldest.trackedAtMillis;
    }

    private void acknowledge(Entry entry) {
        boolean wakeUp;
        Sinks.Empty<Void> drainedNow = null;
        synchronized (this) {
            if (entry.isAcknowledged()) {
                return;
            }
            int before = pending.size();
            pending.acknowledge(entry);
            boolean settled = endReached && pending.isEmpty() && before > 0;
            boolean released = resumeAt >= 0 && pending.size() <= resumeAt;
            if (released) {
                resumeAt = -1;
            }
            wakeUp = settled || released;
            if (pending.isEmpty()) {
                drainedNow = drained;
            }
        }
        if (drainedNow != null) {
            drainedNow.tryEmitEmpty();
        }
        if (wakeUp) {
            wake.run();
        }
    }

    /** The checkpoint to store now, or null when the store already has it. */
    synchronized ShardCheckpoint toCommit() {
        boolean ended = endReached && pending.isEmpty();
        String watermark = watermark();
        if (watermark == null && !ended) {
            return null;
        }
        ShardCheckpoint current = new ShardCheckpoint(shardId, watermark, ended);
        return current.equals(saved) ? null : current;
    }

    synchronized void saved(ShardCheckpoint checkpoint) {
        this.saved = checkpoint;
    }

    /**
     * This worker stopped reading the shard for good (its lease was lost or handed over): a record's
     * {@code commit()} that the store does not cover fails from now on instead of completing as if stored.
     */
    void revoke() {
        Sinks.Empty<Void> sink;
        synchronized (this) {
            revoked = true;
            sink = drained;
        }
        if (sink != null) {
            sink.tryEmitEmpty();
        }
    }

    /** Whether the store holds a checkpoint at or after this sequence number. */
    private synchronized boolean covers(String sequenceNumber) {
        return saved != null && (saved.ended()
                || saved.sequenceNumber() != null && SequenceNumbers.compare(sequenceNumber, saved.sequenceNumber()) <= 0);
    }

    private Mono<Void> checkCommitted(String sequenceNumber) {
        if (!revoked || covers(sequenceNumber)) {
            return Mono.empty();
        }
        return Mono.error(new IllegalStateException("The checkpoint of shard " + shardId + " at sequence number "
                + sequenceNumber + " was not committed: this worker no longer holds the shard's lease (lost or handed"
                + " over); the new owner reads again from the last committed checkpoint"
                + (saved == null || saved.sequenceNumber() == null ? "" : " (" + saved.sequenceNumber() + ")")));
    }

    /** The checkpoint handle of one tracked record. */
    static final class Entry extends AckWatermark.Slot implements RecordCheckpoint {
        private final ShardCheckpointer owner;
        final String sequenceNumber;
        final long trackedAtMillis;

        Entry(ShardCheckpointer owner, String sequenceNumber, long trackedAtMillis) {
            this.owner = owner;
            this.sequenceNumber = sequenceNumber;
            this.trackedAtMillis = trackedAtMillis;
        }

        @Override
        public void acknowledge() {
            if (!isAcknowledged()) {
                owner.acknowledge(this);
            }
        }

        @Override
        public Mono<Void> commit() {
            return Mono.defer(() -> {
                acknowledge();
                return owner.commitAction.get();
            }).then(Mono.defer(() -> owner.checkCommitted(sequenceNumber)));
        }

        @Override
        public String toString() {
            return "RecordCheckpoint{shard=" + owner.shardId + ", seq=" + sequenceNumber + ", acknowledged="
                    + isAcknowledged() + "}";
        }
    }
}
