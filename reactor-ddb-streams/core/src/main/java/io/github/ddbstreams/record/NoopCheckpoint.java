package io.github.ddbstreams.record;

import reactor.core.publisher.Mono;

final class NoopCheckpoint implements RecordCheckpoint {

    static final NoopCheckpoint INSTANCE = new NoopCheckpoint();

    private NoopCheckpoint() {
    }

    @Override
    public void acknowledge() {
    }

    @Override
    public Mono<Void> commit() {
        return Mono.empty();
    }

    @Override
    public boolean isAcknowledged() {
        return false;
    }

    @Override
    public String toString() {
        return "RecordCheckpoint.none()";
    }
}
