package io.github.ddbstreams.sink.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class RequestGateTest {

    @Test
    void run_neverHasMoreThanItsPermitsInFlight() {
        RequestGate gate = new RequestGate(3);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> Flux.range(0, 20)
                        .flatMap(i -> gate.run(() -> Mono.fromRunnable(() -> maxRunning.accumulateAndGet(
                                        running.incrementAndGet(), Math::max))
                                .then(Mono.delay(Duration.ofMillis(10)))
                                .doOnTerminate(running::decrementAndGet)), 20))
                .thenAwait(Duration.ofSeconds(1))
                .expectNextCount(20)
                .verifyComplete();

        assertThat(maxRunning).hasValue(3);
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void run_whenWorkOrWaiterIsCancelled_releasesItsPermit() {
        RequestGate gate = new RequestGate(1);
        Sinks.Empty<Void> never = Sinks.empty();
        Disposable holding = gate.run(never::asMono).subscribe();
        Disposable waiting = gate.run(() -> Mono.just("never started")).subscribe();
        assertThat(gate.inFlight()).isEqualTo(1);

        waiting.dispose();
        holding.dispose();

        assertThat(gate.inFlight()).isZero();
        StepVerifier.create(gate.run(() -> Mono.just("ok"))).expectNext("ok").verifyComplete();
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void run_whenWorkFails_releasesItsPermit() {
        RequestGate gate = new RequestGate(1);

        StepVerifier.create(gate.run(() -> Mono.error(new IllegalStateException("boom")))).verifyError();

        assertThat(gate.inFlight()).isZero();
    }
}
