package io.github.ddbstreams.testkit;

/**
 * The kinds of faults a {@link FaultInjector} can inject into a real SDK client's calls.
 *
 * <pre>{@code
 * faults.inject(FaultKind.THROTTLE).on("GetRecords").times(3);
 * }</pre>
 */
public enum FaultKind {

    /**
     * The call is throttled (HTTP 400): {@code LimitExceededException} for the DynamoDB Streams operations
     * ({@code GetRecords}, {@code GetShardIterator}, {@code DescribeStream}, {@code ListStreams}),
     * {@code ProvisionedThroughputExceededException} for the others. The server does not see the call.
     */
    THROTTLE,

    /** The service fails (HTTP 500, {@code InternalServerErrorException}). The server does not see the call. */
    SERVER_ERROR,

    /** The shard iterator has expired (HTTP 400, {@code ExpiredIteratorException}). The server does not see the call. */
    EXPIRED_ITERATOR,

    /**
     * The response arrives late: the server handles the call normally and its response body is held back
     * for the rule's latency before the client reads it.
     */
    LATENCY,

    /**
     * The connection drops before a response: an {@code SdkClientException} caused by an {@code IOException}
     * ("Connection reset"), as the SDK reports a reset socket. The server does not see the call.
     */
    DROPPED_CONNECTION
}
