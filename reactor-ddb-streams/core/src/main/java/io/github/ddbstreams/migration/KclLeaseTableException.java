package io.github.ddbstreams.migration;

/**
 * A KCL lease table cannot be imported: it is missing, holds no lease of the stream, holds an item that is not
 * a valid KCL lease, or the KCL application still runs (lease counters moving, a checkpoint hand-off in
 * progress). The message names the table, the lease keys and what is wrong; it never shows item contents.
 */
public final class KclLeaseTableException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** An import refused or failed for the reason in {@code message}. */
    public KclLeaseTableException(String message) {
        super(message);
    }

    /** An import failed for the reason in {@code message}, caused by {@code cause}. */
    public KclLeaseTableException(String message, Throwable cause) {
        super(message, cause);
    }
}
