package io.github.ddbstreams.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class InFlightWritesTest {

    private final InFlightWrites writes = new InFlightWrites(() -> "the sink 'orders' is disposed");

    @Test
    void drain_withNothingInFlight_completesAtOnce() {
        StepVerifier.create(writes.drain()).verifyComplete();
        assertThat(writes.isDisposing()).isTrue();
    }

    @Test
    void drain_waitsForTheWritesInFlight_andRefusesNewOnes() {
        Sinks.One<String> pending = Sinks.one();
        CompletableFuture<String> write = writes.run(pending::asMono).toFuture();
        assertThat(writes.inFlight()).isEqualTo(1);

        CompletableFuture<Void> drained = writes.drain().toFuture();

        assertThat(drained).isNotDone();
        StepVerifier.create(writes.run(() -> Mono.just("late")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessage("the sink 'orders' is disposed"))
                .verify();
        assertThat(drained).as("a refused write does not complete the drain").isNotDone();
        pending.tryEmitValue("written");
        assertThat(write).isCompletedWithValue("written");
        assertThat(drained).isCompleted();
        assertThat(writes.inFlight()).isZero();
    }

    @Test
    void run_cancelledOrFailingToStart_isNotInFlightAnymore() {
        Disposable cancelled = writes.run(() -> Mono.never()).subscribe();
        assertThat(writes.inFlight()).isEqualTo(1);
        cancelled.dispose();
        StepVerifier.create(writes.run(() -> {
            throw new IllegalArgumentException("bad batch");
        })).expectErrorMessage("bad batch").verify();

        assertThat(writes.inFlight()).isZero();
        StepVerifier.create(writes.drain()).verifyComplete();
    }

    @Test
    void run_isLazy() {
        Mono<String> write = writes.run(() -> Mono.just("written"));

        assertThat(writes.inFlight()).isZero();
        StepVerifier.create(write).expectNext("written").verifyComplete();
        StepVerifier.create(write).as("again").expectNext("written").verifyComplete();
    }
}
