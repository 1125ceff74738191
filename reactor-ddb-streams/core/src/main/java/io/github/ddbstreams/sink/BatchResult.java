package io.github.ddbstreams.sink;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import io.github.ddbstreams.record.ChangeRecord;

/**
 * The outcome of writing a {@link RecordBatch}: which records failed, and why. A sink that can tell
 * per-record outcomes (a bulk API) reports them here instead of failing the whole batch, like Lambda's
 * {@code ReportBatchItemFailures}: the records before the first failure are done, that one and those after
 * it are retried.
 *
 * <pre>{@code
 * return BatchResult.of(batch, List.of(new BatchResult.RecordFailure(batch.records().get(3), error)));
 * }</pre>
 */
public final class BatchResult {

    /** One record that was not written, and the error. */
    public record RecordFailure(ChangeRecord record, Throwable error) {
        public RecordFailure {
            Objects.requireNonNull(record, "record");
            Objects.requireNonNull(error, "error");
        }
    }

    private final RecordBatch batch;
    private final List<RecordFailure> failures;

    private BatchResult(RecordBatch batch, List<RecordFailure> failures) {
        this.batch = batch;
        this.failures = failures;
    }

    /** Every record of the batch was written. */
    public static BatchResult success(RecordBatch batch) {
        return new BatchResult(Objects.requireNonNull(batch, "batch"), Collections.emptyList());
    }

    /**
     * Some records failed.
     *
     * @throws IllegalArgumentException if a failure names a record that is not in the batch
     */
    public static BatchResult of(RecordBatch batch, List<RecordFailure> failures) {
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(failures, "failures");
        List<RecordFailure> sorted = new ArrayList<>(failures.size());
        for (RecordFailure failure : failures) {
            if (batch.records().indexOf(failure.record()) < 0) {
                throw new IllegalArgumentException("failure for " + failure.record() + " which is not in " + batch);
            }
            sorted.add(failure);
        }
        sorted.sort((a, b) -> Integer.compare(batch.records().indexOf(a.record()), batch.records().indexOf(b.record())));
        return new BatchResult(batch, Collections.unmodifiableList(sorted));
    }

    /** The batch this result is about. */
    public RecordBatch batch() {
        return batch;
    }

    /** The failed records in batch order; empty on success. */
    public List<RecordFailure> failures() {
        return failures;
    }

    public boolean isSuccess() {
        return failures.isEmpty();
    }

    /** The index in the batch of the first failed record, or {@code batch().size()} on success. */
    public int firstFailureIndex() {
        return failures.isEmpty() ? batch.size() : batch.records().indexOf(failures.get(0).record());
    }

    @Override
    public String toString() {
        return "BatchResult{" + batch + ", failures=" + failures.size() + "}";
    }
}
