package io.github.ddbstreams.receiver.internal;

import java.util.List;

/**
 * Delivers buffered records downstream within its demand: {@link MergedEmitter} for {@code receive()},
 * {@link PerShardEmitter} for {@code receivePerShard()}. The step of the data path between the
 * {@link ShardPoller}s and the subscriber. Called on the session's loop only.
 */
interface RecordEmitter {

    /** Wires downstream signals: {@code wake} on every request, {@code dispose} when downstream goes away. */
    void attach(Runnable wake, Runnable dispose);

    /** Emits buffered records of {@code reading} within demand; true when anything was emitted. */
    boolean emit(List<ShardPoller> reading);

    /** How many records downstream wants from this shard now (0: do not fetch). */
    long demand(ShardPoller shard);

    /** A shard started being read. */
    void shardStarted(ShardPoller shard);

    /** A shard's every record was emitted. */
    void shardCompleted(ShardPoller shard);

    /** A shard stopped being read before its end (lease lost or handed over). */
    void shardStopped(ShardPoller shard);

    /** The session stopped: ends what is still open. */
    void shutdown();

    void complete();

    void error(Throwable error);
}
