package io.github.ddbstreams.receiver.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;

import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StartPosition;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;

/**
 * Which shard may start, and from where: {@link SingleWorkerAssignment} for one worker,
 * {@link LeaseAssignment} for workers sharing the stream through leases.
 *
 * <p>Both follow one lineage rule, written once here ({@link #startOf}): a shard starts only when its
 * parent is finished <em>and every record of it acknowledged</em> (or the parent is gone from the stream);
 * it resumes after its checkpoint when it has one; a shard whose ancestor was read starts at its beginning,
 * never at LATEST; otherwise the configured start position applies. Called on the session's loop only.
 */
interface ShardAssignment {

    /** What a waiting shard does now. */
    enum Kind {
        /** Not yet: its parent is not settled, or this worker holds no lease for it. */
        WAIT,
        /** Never read: ended according to the store, or closed before a LATEST start. */
        SKIP,
        /** Closed before a LATEST start with leases: recorded as ended (not read) so its children follow. */
        END_UNREAD,
        /** Read from {@link Decision#start()}. */
        START
    }

    /**
     * @param kind what to do
     * @param start where reading starts ({@link Kind#START} only)
     * @param checkpoint the shard's stored checkpoint, or {@code null}
     */
    record Decision(Kind kind, ShardStart start, ShardCheckpoint checkpoint) {
        static final Decision WAIT = new Decision(Kind.WAIT, null, null);
        static final Decision SKIP = new Decision(Kind.SKIP, null, null);
    }

    /** Starts the policy once the stream and its stored checkpoints are known. */
    void start();

    /** The decision for a shard in {@link ShardPoller.State#WAITING}. */
    Decision decide(ShardPoller shard, ShardPoller parent);

    /**
     * The waiting shards to ask {@link #decide} about at a step, among the session's {@code known} shards: all of
     * them by default. With leases only those whose lease this worker holds ({@link #decide} says WAIT for any
     * other): a worker that knows a stream's 10,000 shards and holds 1,000 asks about at most 1,000 at each step
     * (a step runs at every GetRecords answer), not 10,000.
     */
    default Collection<ShardPoller> candidates(KnownShards known) {
        return known.all();
    }

    /**
     * Every shard of the stream as known after a discovery (shards that left the stream may still be known), and
     * the ids the stream listed if the discovery was complete ({@code null} otherwise).
     */
    void discovered(Collection<ShardPoller> shards, Set<String> listed);

    /**
     * Whether records of a shard being read may be emitted (and fetched) now. Leases: only while the lease is
     * proven held (fencing by the local clock); a paused shard keeps its buffer and continues once it is.
     */
    default boolean mayEmit(ShardPoller shard) {
        return true;
    }

    /** A shard was read to its end and every record delivered. */
    void shardCompleted(ShardPoller shard);

    /**
     * Whether the session may discover the shards now: leases wait for the first election of the stream's describer
     * (the session is told through {@link LeaseAssignment.Session#discover()} when it is over); at once otherwise.
     */
    default boolean discoveryReady() {
        return true;
    }

    /**
     * The shards as another worker described them, when this worker need not list the stream itself, or
     * {@code null}: then the session lists every shard (DescribeStream, every page). Leases: the shards of the lease
     * table's leases and the stream status the describer recorded, for a worker that is not the describer and for
     * the describer's {@code first} discovery (it lists the stream when it took the role, see
     * {@link LeaseAssignment}); {@code null} for the describer's later discoveries.
     *
     * @param first whether this is the session's first discovery
     */
    default ShardDiscovery.Listing shardsFromLeases(boolean first) {
        return null;
    }

    /** The stream status a complete listing of this worker showed (leases: the describer records it). */
    default void streamListed(StreamStatus status) {
    }

    /** Whether everything this policy is responsible for was read (a disabled stream then ends). */
    boolean allRead(Collection<ShardPoller> shards);

    /** Stops the policy's timers (no more decisions are asked). */
    void stop();

    /**
     * Before the final commit of a stopping session: waits (bounded) until the records already emitted are
     * acknowledged, so that what this worker gives back is committed up to them (leases); at once by default.
     */
    default Mono<Void> drain() {
        return Mono.empty();
    }

    /** Gives back what this worker holds (leases), after the final commit. */
    Mono<Void> release();

    /**
     * The lineage rule's start position: after the checkpoint; at the beginning when an ancestor was read;
     * else the configured start position.
     */
    static Decision startOf(ShardCheckpoint checkpoint, boolean ancestorRead, boolean closed, boolean recordEnded,
            ReceiverOptions options) {
        if (checkpoint != null && checkpoint.sequenceNumber() != null) {
            return start(ShardIteratorType.AFTER_SEQUENCE_NUMBER, checkpoint.sequenceNumber(), null, checkpoint);
        }
        if (ancestorRead) {
            return start(ShardIteratorType.TRIM_HORIZON, null, null, checkpoint);
        }
        StartPosition position = options.startPosition();
        switch (position.kind()) {
            case LATEST:
                if (closed) {
                    return recordEnded ? new Decision(Kind.END_UNREAD, null, checkpoint) : Decision.SKIP;
                }
                return start(ShardIteratorType.LATEST, null, null, checkpoint);
            case AT_TIMESTAMP:
                return start(ShardIteratorType.TRIM_HORIZON, null,
                        floor(position.timestamp(), options.creationTimePrecision()), checkpoint);
            default:
                return start(ShardIteratorType.TRIM_HORIZON, null, null, checkpoint);
        }
    }

    private static Decision start(ShardIteratorType type, String sequenceNumber, Instant skipBefore,
            ShardCheckpoint checkpoint) {
        return new Decision(Kind.START, ShardStart.of(type, sequenceNumber, skipBefore), checkpoint);
    }

    private static Instant floor(Instant instant, Duration precision) {
        long millis = instant.toEpochMilli();
        return Instant.ofEpochMilli(millis - Math.floorMod(millis, precision.toMillis()));
    }
}
