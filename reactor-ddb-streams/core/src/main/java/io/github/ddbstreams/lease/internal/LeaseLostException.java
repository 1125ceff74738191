package io.github.ddbstreams.lease.internal;

/** A conditional write on a lease failed: another worker owns it now. */
public final class LeaseLostException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LeaseLostException(String shardId, String workerId, Throwable cause) {
        super("Worker " + workerId + " no longer owns the lease of shard " + shardId, cause);
    }
}
