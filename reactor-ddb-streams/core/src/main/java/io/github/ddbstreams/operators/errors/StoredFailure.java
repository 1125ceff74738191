package io.github.ddbstreams.operators.errors;

import java.time.Instant;
import java.util.Objects;

import io.github.ddbstreams.operators.errors.FailedRecord.Reason;
import io.github.ddbstreams.record.ChangeRecord;

/**
 * One failure read back from a {@link DynamoDbFailureDestination}'s table by {@link FailureReplay}: the record
 * rebuilt as it was read from the stream, and what the table says about its failure and its replays.
 *
 * <p>Acknowledging the record ({@code failure.record().checkpoint().acknowledge()}) marks the failure
 * replayed in the table.
 *
 * @param record the record, whose checkpoint marks this failure replayed
 * @param reason why it was given up
 * @param errorType the class of the last error, or an empty string
 * @param errorMessage the message of the last error (truncated as stored), or an empty string
 * @param attempts how many attempts were made
 * @param firstAttemptAt when the first attempt started, or {@code null} when never attempted
 * @param failedAt when it was given up
 * @param replayedAt when it was last marked replayed, or {@code null} when never
 * @param replayCount how many times it was marked replayed
 */
public record StoredFailure(ChangeRecord record, Reason reason, String errorType, String errorMessage, int attempts,
        Instant firstAttemptAt, Instant failedAt, Instant replayedAt, int replayCount) {

    public StoredFailure {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(errorType, "errorType");
        Objects.requireNonNull(errorMessage, "errorMessage");
        Objects.requireNonNull(failedAt, "failedAt");
    }

    @Override
    public String toString() {
        // no item contents: the record's toString shows only its position
        return "StoredFailure{" + record + ", reason=" + reason + ", attempts=" + attempts + ", failedAt=" + failedAt
                + ", replayCount=" + replayCount + "}";
    }
}
