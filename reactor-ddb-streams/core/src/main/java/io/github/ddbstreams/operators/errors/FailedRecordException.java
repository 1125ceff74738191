package io.github.ddbstreams.operators.errors;

import java.util.Objects;

import io.github.ddbstreams.sink.BatchResult;

/**
 * A record was given up: it is the error of the Flux of {@link ErrorHandling} when no failure destination is
 * set (or the destination could not store it), and the error of each
 * {@link BatchResult.RecordFailure} that operator emits for records it stored in the destination. The
 * message names the shard and sequence number, never item contents.
 *
 * <pre>{@code
 * flux.onErrorResume(FailedRecordException.class, e -> alert(e.failedRecord().record().sequenceNumber()));
 * }</pre>
 */
public final class FailedRecordException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient FailedRecord failedRecord;

    /**
     * An exception about this given-up record, caused by its last error.
     *
     * @param message what happened, naming shard and sequence number
     * @param failedRecord the record given up
     */
    public FailedRecordException(String message, FailedRecord failedRecord) {
        this(message, failedRecord, failedRecord.error());
    }

    /**
     * An exception about this given-up record with another cause (e.g. the failure destination's error).
     *
     * @param message what happened, naming shard and sequence number
     * @param failedRecord the record given up
     * @param cause the cause, or {@code null}
     */
    public FailedRecordException(String message, FailedRecord failedRecord, Throwable cause) {
        super(message, cause);
        this.failedRecord = Objects.requireNonNull(failedRecord, "failedRecord");
    }

    /** The record given up, its reason, last error and attempts. */
    public FailedRecord failedRecord() {
        return failedRecord;
    }
}
