package io.github.ddbstreams.operators.errors;

import java.time.Instant;
import java.util.Objects;

import io.github.ddbstreams.record.ChangeRecord;

/**
 * A record that could not be processed, as sent to a {@link FailureDestination}: the full record (with its
 * shard and sequence number) plus the last error, the number of attempts and why it was given up.
 *
 * @param record the full record
 * @param reason why processing was given up
 * @param error the last error (may be {@code null} for {@link Reason#MAX_AGE_EXCEEDED} without attempt)
 * @param attempts how many times processing was attempted
 * @param firstAttemptAt when the first attempt started
 * @param failedAt when the record was given up
 */
public record FailedRecord(ChangeRecord record, Reason reason, Throwable error, int attempts, Instant firstAttemptAt,
        Instant failedAt) {

    /** Why a record was given up. */
    public enum Reason {
        /** Every allowed attempt failed. */
        RETRIES_EXHAUSTED,
        /** The record became older than the maximum record age before it could be processed. */
        MAX_AGE_EXCEEDED,
        /** Bisecting the batch isolated this record as one that fails on its own. */
        POISON_RECORD
    }

    public FailedRecord {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(failedAt, "failedAt");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0, was " + attempts);
        }
    }

    /** The class of the last error, or an empty string. */
    public String errorType() {
        return error == null ? "" : error.getClass().getName();
    }

    /** The message of the last error, or an empty string. */
    public String errorMessage() {
        return error == null || error.getMessage() == null ? "" : error.getMessage();
    }

    @Override
    public String toString() {
        // no item contents: the record's toString shows only its position
        return "FailedRecord{" + record + ", reason=" + reason + ", attempts=" + attempts + ", error=" + errorType() + "}";
    }
}
