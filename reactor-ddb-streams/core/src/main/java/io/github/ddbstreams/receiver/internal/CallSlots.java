package io.github.ddbstreams.receiver.internal;

/**
 * The bound on a session's calls in flight ({@link io.github.ddbstreams.receiver.ReceiverOptions#maxConcurrentCalls()}):
 * a shard takes a slot for each GetShardIterator or GetRecords call (retries included) and gives it back with
 * the answer, so at most that many calls wait on the client's connection pool, whatever the shard count.
 *
 * <p>Confined to the session's serialized loop.
 */
final class CallSlots {

    private final int max;
    private int inFlight;

    CallSlots(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be >= 1, was " + max);
        }
        this.max = max;
    }

    /** Takes a slot if one is free. */
    boolean tryAcquire() {
        if (inFlight >= max) {
            return false;
        }
        inFlight++;
        return true;
    }

    /** Gives back a slot taken by {@link #tryAcquire()}. */
    void release() {
        if (inFlight <= 0) {
            throw new IllegalStateException("no call slot is taken");
        }
        inFlight--;
    }

    /** True when {@link #tryAcquire()} would succeed. */
    boolean available() {
        return inFlight < max;
    }

    /** Slots taken now. */
    int inFlight() {
        return inFlight;
    }

    @Override
    public String toString() {
        return "CallSlots{" + inFlight + "/" + max + "}";
    }
}
