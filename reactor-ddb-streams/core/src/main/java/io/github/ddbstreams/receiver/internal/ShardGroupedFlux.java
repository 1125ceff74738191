package io.github.ddbstreams.receiver.internal;

import io.github.ddbstreams.record.ChangeRecord;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.GroupedFlux;

/** The records of one shard, keyed by its shard id. */
final class ShardGroupedFlux extends GroupedFlux<String, ChangeRecord> {

    private final String shardId;
    private final Flux<ChangeRecord> source;

    ShardGroupedFlux(String shardId, Flux<ChangeRecord> source) {
        this.shardId = shardId;
        this.source = source;
    }

    @Override
    public String key() {
        return shardId;
    }

    @Override
    public void subscribe(CoreSubscriber<? super ChangeRecord> actual) {
        source.subscribe(actual);
    }
}
