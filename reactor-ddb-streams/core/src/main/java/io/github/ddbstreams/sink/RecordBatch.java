package io.github.ddbstreams.sink;

import java.util.List;
import java.util.Objects;

import io.github.ddbstreams.record.ChangeRecord;

/**
 * An immutable batch of change records in stream order, usually of one shard (see
 * {@link #shardId()}). Produced by the batching operators, consumed by sinks and the error-handling
 * operator.
 *
 * <pre>{@code
 * RecordBatch batch = RecordBatch.of(records);
 * sink.write(batch).doOnSuccess(result -> batch.acknowledge()); // acknowledges every record
 * }</pre>
 */
public final class RecordBatch {

    private final List<ChangeRecord> records;
    private final long sizeBytes;
    private final String shardId;

    private RecordBatch(List<ChangeRecord> records) {
        this.records = records;
        long bytes = 0;
        String shard = records.isEmpty() ? null : records.get(0).shardId();
        for (ChangeRecord record : records) {
            bytes += record.sizeBytes();
            if (shard != null && !shard.equals(record.shardId())) {
                shard = null;
            }
        }
        this.sizeBytes = bytes;
        this.shardId = shard;
    }

    /**
     * A batch of these records, in this order.
     *
     * @throws NullPointerException if the list or one of its records is null
     */
    public static RecordBatch of(List<ChangeRecord> records) {
        Objects.requireNonNull(records, "records");
        for (ChangeRecord record : records) {
            Objects.requireNonNull(record, "records must not contain null");
        }
        return new RecordBatch(List.copyOf(records));
    }

    /** The records, in stream order; unmodifiable. */
    public List<ChangeRecord> records() {
        return records;
    }

    /** How many records. */
    public int size() {
        return records.size();
    }

    public boolean isEmpty() {
        return records.isEmpty();
    }

    /** The sum of the records' {@link ChangeRecord#sizeBytes()}. */
    public long sizeBytes() {
        return sizeBytes;
    }

    /** The shard of every record, or {@code null} when the batch is empty or mixes shards. */
    public String shardId() {
        return shardId;
    }

    /** The records from {@code fromIndex} (inclusive) to {@code toIndex} (exclusive), as a batch. */
    public RecordBatch subBatch(int fromIndex, int toIndex) {
        return new RecordBatch(records.subList(fromIndex, toIndex));
    }

    /** Acknowledges every record of the batch (see {@link io.github.ddbstreams.record.RecordCheckpoint}). */
    public void acknowledge() {
        for (ChangeRecord record : records) {
            record.checkpoint().acknowledge();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecordBatch && ((RecordBatch) o).records.equals(records);
    }

    @Override
    public int hashCode() {
        return records.hashCode();
    }

    @Override
    public String toString() {
        return "RecordBatch{size=" + records.size() + ", sizeBytes=" + sizeBytes
                + (shardId != null ? ", shard=" + shardId : "")
                + (records.isEmpty() ? "" : ", seq=" + records.get(0).sequenceNumber() + ".."
                        + records.get(records.size() - 1).sequenceNumber())
                + "}";
    }
}
