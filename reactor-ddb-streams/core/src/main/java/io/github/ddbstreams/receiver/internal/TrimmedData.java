package io.github.ddbstreams.receiver.internal;

import java.util.function.Consumer;

import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.TrimmedDataEvent;
import io.github.ddbstreams.receiver.TrimmedDataException;
import io.github.ddbstreams.receiver.TrimmedDataPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place the trimmed-data policy is applied, whichever path found the gap: a trimmed-data answer while
 * reading, a shard that left the stream (passed the 24-hour retention) before it was read to its end, or such a
 * shard's lease.
 */
final class TrimmedData {

    private static final Logger log = LoggerFactory.getLogger(TrimmedData.class);

    private TrimmedData() {
    }

    /**
     * Tells the {@link ReceiverOptions#trimmedDataListener() listener}, then applies the policy: {@code FAIL} logs
     * an ERROR and passes a {@link TrimmedDataException} to {@code fail} (returns false); otherwise logs a WARN
     * ending with {@code continuation} (what the reading does next) and returns true.
     */
    static boolean signal(ReceiverOptions options, String streamArn, String shardId, String position, String why,
                          Throwable cause, String continuation, Consumer<Throwable> fail) {
        TrimmedDataEvent event = new TrimmedDataEvent(streamArn, shardId, position);
        try {
            options.trimmedDataListener().accept(event);
        } catch (RuntimeException e) {
            log.warn("trimmedDataListener failed", e);
        }
        if (options.trimmedDataPolicy() == TrimmedDataPolicy.FAIL) {
            log.error("Records of shard {} of {} were trimmed before they were read (position {}){}", shardId, streamArn,
                    position, why);
            fail.accept(new TrimmedDataException(event, cause));
            return false;
        }
        log.warn("Records of shard {} of {} were trimmed before they were read (position {}){}: {}, the records in"
                + " between are lost", shardId, streamArn, position, why, continuation);
        return true;
    }

    /** The position after a checkpoint, as trimmed-data events name it. */
    static String after(String sequenceNumber) {
        return sequenceNumber == null ? "TRIM_HORIZON" : "AFTER_SEQUENCE_NUMBER " + sequenceNumber;
    }
}
