package io.github.ddbstreams.receiver.internal;

import java.util.List;

import io.github.ddbstreams.record.ChangeRecord;
import reactor.core.publisher.FluxSink;

/** {@code receive()}: every shard into one Flux, shards taken in turn so none starves. */
final class MergedEmitter implements RecordEmitter {

    private final FluxSink<ChangeRecord> sink;
    private int roundRobin;

    MergedEmitter(FluxSink<ChangeRecord> sink) {
        this.sink = sink;
    }

    @Override
    public void attach(Runnable wake, Runnable dispose) {
        sink.onRequest(n -> wake.run());
        sink.onDispose(dispose::run);
    }

    @Override
    public boolean emit(List<ShardPoller> reading) {
        if (sink.isCancelled()) {
            return false;
        }
        long requested = sink.requestedFromDownstream();
        int n = reading.size();
        if (requested <= 0 || n == 0) {
            return false;
        }
        boolean emitted = false;
        int start = roundRobin++ % n;
        for (int i = 0; i < n && requested > 0; i++) {
            ShardPoller shard = reading.get((start + i) % n);
            ChangeRecord record;
            while (requested > 0 && (record = shard.buffer.poll()) != null) {
                sink.next(record);
                requested--;
                emitted = true;
                if (sink.isCancelled()) {
                    return false;
                }
            }
        }
        return emitted;
    }

    @Override
    public long demand(ShardPoller shard) {
        return sink.isCancelled() ? 0 : sink.requestedFromDownstream();
    }

    @Override
    public void shardStarted(ShardPoller shard) {
    }

    @Override
    public void shardCompleted(ShardPoller shard) {
    }

    @Override
    public void shardStopped(ShardPoller shard) {
    }

    @Override
    public void shutdown() {
    }

    @Override
    public void complete() {
        sink.complete();
    }

    @Override
    public void error(Throwable error) {
        sink.error(error);
    }
}
