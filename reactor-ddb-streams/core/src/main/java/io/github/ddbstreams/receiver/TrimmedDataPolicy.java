package io.github.ddbstreams.receiver;

/**
 * What a receiver does when the records it must read next were already trimmed from the stream (older
 * than 24 hours, e.g. after a long outage). Either way the loss is signalled: by an error, or by a WARN
 * log line and the {@link ReceiverOptions#trimmedDataListener() trimmed-data listener}.
 */
public enum TrimmedDataPolicy {
    /** End the Flux with a {@link TrimmedDataException} naming the shard and position. The default. */
    FAIL,
    /** Continue from the oldest record still in the shard (TRIM_HORIZON), after signalling the gap. */
    RESTART_FROM_TRIM_HORIZON
}
