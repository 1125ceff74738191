package io.github.ddbstreams.operators;

import java.util.concurrent.atomic.AtomicInteger;

import io.github.ddbstreams.record.RecordCheckpoint;
import reactor.core.publisher.Mono;

/** A checkpoint that counts its acknowledgements. */
public final class TestCheckpoint implements RecordCheckpoint {

    private final AtomicInteger acknowledgements = new AtomicInteger();

    @Override
    public void acknowledge() {
        acknowledgements.incrementAndGet();
    }

    @Override
    public Mono<Void> commit() {
        return Mono.fromRunnable(this::acknowledge);
    }

    @Override
    public boolean isAcknowledged() {
        return acknowledgements.get() > 0;
    }

    public int acknowledgements() {
        return acknowledgements.get();
    }
}
