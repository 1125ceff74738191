package io.github.ddbstreams.receiver.internal;

import io.github.ddbstreams.receiver.Pacing;
import io.github.ddbstreams.receiver.ReceiverOptions;

/**
 * When a shard's next GetRecords may start, after a response ({@link Pacing}). One per shard, confined to
 * the session's loop; times in the scheduler's nanoseconds.
 */
abstract class PollPacing {

    static PollPacing of(ReceiverOptions options, long startNanos) {
        return options.pacing() == Pacing.LOW_LATENCY ? new LowLatency(options) : new CostAware(options, startNanos);
    }

    /**
     * The wait before the next call (0: at once).
     *
     * @param callStartNanos when the call that answered started
     * @param nowNanos now
     * @param records how many records it returned
     * @param full whether it returned as many as were asked for (the shard is behind)
     */
    abstract long nextCallDelayNanos(long callStartNanos, long nowNanos, int records, boolean full);

    /** Lambda's rate under traffic, the KCL's when idle, at once when behind. */
    static final class CostAware extends PollPacing {
        private final long budgetNanos;
        private final long idleNanos;
        private final long idleAfterNanos;
        /**
         * Last time records came back; a new shard counts from its start, so it is polled at the budget for
         * {@code idleAfter} (the first record after subscribe within a {@code pollInterval}), then idles.
         */
        private long recordsAtNanos;

        CostAware(ReceiverOptions options, long startNanos) {
            budgetNanos = options.pollInterval().toNanos();
            idleNanos = options.idlePollInterval().toNanos();
            idleAfterNanos = options.idleAfter().toNanos();
            recordsAtNanos = startNanos;
        }

        @Override
        long nextCallDelayNanos(long callStartNanos, long nowNanos, int records, boolean full) {
            if (full) {
                recordsAtNanos = nowNanos;
                return 0;
            }
            if (records > 0) {
                recordsAtNanos = nowNanos;
            }
            long interval = nowNanos - recordsAtNanos >= idleAfterNanos ? idleNanos : budgetNanos;
            return Math.max(0, callStartNanos + interval - nowNanos);
        }
    }

    /** At once after records, then minPollInterval doubling up to pollInterval after empty responses. */
    static final class LowLatency extends PollPacing {
        private final long minNanos;
        private final long maxNanos;
        /** The pause after the next empty response; -1 until records came: a shard with none pauses pollInterval. */
        private long nextPauseNanos = -1;

        LowLatency(ReceiverOptions options) {
            minNanos = options.minPollInterval().toNanos();
            maxNanos = options.pollInterval().toNanos();
        }

        @Override
        long nextCallDelayNanos(long callStartNanos, long nowNanos, int records, boolean full) {
            if (records > 0) {
                nextPauseNanos = minNanos;
                return 0;
            }
            long pause = nextPauseNanos < 0 ? maxNanos : Math.min(nextPauseNanos, maxNanos);
            nextPauseNanos = Math.min(pause * 2, maxNanos);
            return pause;
        }
    }
}
