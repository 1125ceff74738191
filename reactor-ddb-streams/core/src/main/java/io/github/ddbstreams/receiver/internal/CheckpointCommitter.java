package io.github.ddbstreams.receiver.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.internal.SerialCommits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The last step of the data path: acknowledgement watermarks ({@link ShardCheckpointer}) → checkpoint store.
 *
 * <p>Commits run one at a time ({@link SerialCommits}), so the store never moves back; requests made while one
 * runs are served together by the next. Thread-safe: called from the loop, from timers and from users' {@code commit()}.
 * Safe to call from a commit's own completion (no lock is held while completing).
 */
final class CheckpointCommitter {

    private static final Logger log = LoggerFactory.getLogger(CheckpointCommitter.class);

    private final Map<String, ShardCheckpointer> checkpointers = new ConcurrentHashMap<>();
    private final Supplier<String> streamArn;
    private final Supplier<ReceiverMetrics> metrics;
    private volatile CheckpointStore store;

    private final SerialCommits commits = new SerialCommits(this::commitOnce);
    private volatile boolean closed;

    CheckpointCommitter(CheckpointStore store, Supplier<String> streamArn, Supplier<ReceiverMetrics> metrics) {
        this.store = store;
        this.streamArn = streamArn;
        this.metrics = metrics;
    }

    /** Replaces the store (lease mode stores checkpoints in the leases). */
    void store(CheckpointStore store) {
        this.store = store;
    }

    CheckpointStore store() {
        return store;
    }

    void register(ShardCheckpointer checkpointer) {
        checkpointers.put(checkpointer.shardId(), checkpointer);
    }

    /**
     * Stops committing a shard this worker no longer reads (lease lost or handed over): a record's
     * {@code commit()} not covered by the store fails from now on.
     */
    void forget(String shardId) {
        ShardCheckpointer checkpointer = checkpointers.remove(shardId);
        if (checkpointer != null) {
            checkpointer.revoke();
        }
    }

    /** The checkpointer of a shard this worker commits, or null. */
    ShardCheckpointer checkpointer(String shardId) {
        return checkpointers.get(shardId);
    }

    Collection<ShardCheckpointer> checkpointers() {
        return checkpointers.values();
    }

    /** After this, commits fail: the receiver stopped. */
    void close() {
        closed = true;
    }

    /** Commits the acknowledged watermark of every shard that moved since its last commit. */
    Mono<Void> commit() {
        return Mono.defer(() -> {
            if (closed) {
                return Mono.error(new IllegalStateException("The receiver of stream " + streamArn.get()
                        + " has stopped: the checkpoint was not committed"));
            }
            return commits.commit();
        });
    }

    private Mono<Void> commitOnce() {
        String arn = streamArn.get();
        if (arn == null) {
            return Mono.empty();
        }
        List<ShardCheckpoint> changed = new ArrayList<>();
        for (ShardCheckpointer checkpointer : checkpointers.values()) {
            ShardCheckpoint checkpoint = checkpointer.toCommit();
            if (checkpoint != null) {
                changed.add(checkpoint);
            }
        }
        if (changed.isEmpty()) {
            return Mono.empty();
        }
        return store.save(arn, changed).doOnSuccess(v -> {
            metrics.get().checkpointsCommitted(changed.size());
            for (ShardCheckpoint checkpoint : changed) {
                ShardCheckpointer checkpointer = checkpointers.get(checkpoint.shardId());
                if (checkpointer != null) {
                    checkpointer.saved(checkpoint);
                    if (checkpoint.ended()) {
                        checkpointers.remove(checkpoint.shardId());
                    }
                }
            }
            log.debug("Committed {} shard checkpoints of {}", changed.size(), arn);
        });
    }
}
