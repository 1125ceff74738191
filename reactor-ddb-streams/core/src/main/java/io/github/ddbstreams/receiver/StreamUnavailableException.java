package io.github.ddbstreams.receiver;

/**
 * The stream cannot be read (any more): the table does not exist, has no stream, the stream does not exist
 * or was disabled, or the service could not be reached at start-up. {@link #reason()} says which; the message names the table or stream.
 */
public final class StreamUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why the stream is unavailable. */
    public enum Reason {
        /** DescribeTable said the table does not exist. */
        TABLE_NOT_FOUND,
        /** The table exists but has no stream enabled. */
        STREAM_NOT_ENABLED,
        /** The stream ARN is unknown. */
        STREAM_NOT_FOUND,
        /** The stream was disabled (or its table deleted); every record it held was delivered first. */
        STREAM_DISABLED,
        /**
         * No call reached the service within {@link ReceiverOptions#startupTimeout()} of the subscription (wrong
         * endpoint or region, no network, bad credentials); the message names the endpoint and the last failure,
         * which is also the cause. Once a call succeeded, outages are retried instead.
         */
        SERVICE_UNREACHABLE
    }

    private final Reason reason;

    public StreamUnavailableException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Why the stream is unavailable. */
    public Reason reason() {
        return reason;
    }
}
