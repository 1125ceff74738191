package io.github.ddbstreams.backfill;

/**
 * A backfill cannot start, go on, or hand over to the stream. {@link #reason()} says why; the message names
 * the table, the stream or the option involved and what to do.
 */
public final class BackfillException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why the backfill failed. */
    public enum Reason {
        /** The table does not exist (or was deleted during the scan). */
        TABLE_NOT_FOUND,
        /** The table has no stream, so there is nothing to hand over to ({@code backfillThenStream} only). */
        STREAM_NOT_ENABLED,
        /**
         * The stream the backfill started with is no longer the table's stream (it was disabled, or disabled
         * and enabled again): changes made in between are not in any stream, so the hand-off would lose them.
         */
        STREAM_CHANGED,
        /**
         * More time passed since the backfill started than the stream keeps records
         * ({@link BackfillOptions#streamRetention()}, 24 h on AWS): the changes made at the start may have been
         * trimmed, so the hand-off would lose them.
         */
        HAND_OFF_EXPIRED,
        /** The saved positions do not belong to this backfill (other table or another number of segments). */
        POSITIONS_MISMATCH
    }

    private final Reason reason;

    /** Creates the exception. */
    public BackfillException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Why the backfill failed. */
    public Reason reason() {
        return reason;
    }
}
