package io.github.ddbstreams.record;

import reactor.core.publisher.Mono;

/**
 * The checkpoint handle of one {@link ChangeRecord}.
 *
 * <p>A shard's checkpoint advances only to the highest sequence number below which every record was
 * acknowledged (a watermark), so acknowledgements may arrive in any order and from any thread.
 * Committed checkpoints are what a new receiver resumes after.
 *
 * <pre>{@code
 * receiver.receive()
 *     .concatMap(record -> index(record).doOnSuccess(ok -> record.checkpoint().acknowledge()))
 *     .subscribe();
 * }</pre>
 */
public interface RecordCheckpoint {

    /**
     * Marks the record as processed. Idempotent, thread-safe, non-blocking. The shard's checkpoint is
     * written to the store at the next periodic commit, on {@link #commit()} or when the receiver stops.
     */
    void acknowledge();

    /**
     * Acknowledges the record and writes the checkpoints of its receiver to the store now.
     *
     * @return a Mono that completes when the store has the checkpoint (it covers this record only once
     *     every earlier record of its shard is acknowledged too); it fails with an
     *     {@link IllegalStateException} when the receiver stopped, or when, with leases, this worker no longer
     *     holds the shard's lease (lost or handed over) and the store does not cover this record: the new owner
     *     then reads it again
     */
    Mono<Void> commit();

    /** Whether {@link #acknowledge()} was called. */
    boolean isAcknowledged();

    /** A checkpoint that does nothing: for records built in tests or outside a receiver. */
    static RecordCheckpoint none() {
        return NoopCheckpoint.INSTANCE;
    }
}
