package io.github.ddbstreams.receiver;

/**
 * Records a receiver had to read next were trimmed from the stream: changes were lost before they could be
 * read. Raised under {@link TrimmedDataPolicy#FAIL}.
 */
public final class TrimmedDataException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient TrimmedDataEvent event;

    public TrimmedDataException(TrimmedDataEvent event, Throwable cause) {
        super("Records of shard " + event.shardId() + " of stream " + event.streamArn()
                + " were trimmed before they could be read (position: " + event.position()
                + "); use TrimmedDataPolicy.RESTART_FROM_TRIM_HORIZON to continue from the oldest record", cause);
        this.event = event;
    }

    /** What was trimmed. */
    public TrimmedDataEvent event() {
        return event;
    }
}
