package io.github.ddbstreams.lease.internal;

import java.util.List;

/**
 * One item of the lease table, as read.
 *
 * @param shardId the shard
 * @param owner the worker holding it, or {@code null} when free
 * @param counter incremented by every change of ownership and every renewal
 * @param checkpoint the last processed sequence number, or {@code null}
 * @param ended whether the shard was read to its end and every record of it processed
 * @param parentShardIds the shard's parents (usually zero or one)
 * @param handoffTo the worker that asked the owner to hand the lease over, or {@code null}
 * @param ownerToken the owning process's instance token (two live processes may share a worker id), or
 *     {@code null} when handed over and not claimed yet (or written by an earlier version)
 * @param endedUnread whether the shard was recorded ended without being read (closed before a LATEST start):
 *     its children start at LATEST too, where the children of a shard read to its end start at its beginning
 * @param closed whether the describer's listing showed the shard closed when it created the lease (false for leases
 *     written before this attribute existed); a lease created while its shard was open keeps {@code false} after the
 *     shard closes: {@link LeaseCoordinator#shardClosed} also counts a child's lease as proof
 */
public record Lease(String shardId, String owner, long counter, String checkpoint, boolean ended,
        List<String> parentShardIds, String handoffTo, String ownerToken, boolean endedUnread, boolean closed) {

    /** Whether records of this shard were processed (or it ended): its children continue its lineage. */
    public boolean started() {
        return checkpoint != null || ended;
    }
}
