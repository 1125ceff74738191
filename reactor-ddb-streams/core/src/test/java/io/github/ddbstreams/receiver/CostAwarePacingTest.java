package io.github.ddbstreams.receiver;

import static io.github.ddbstreams.testkit.FakeDynamoDbStreams.Operation.GET_RECORDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The default pacing ({@link Pacing#COST_AWARE}) under virtual time: at once after a full page, at most one
 * call per {@code pollInterval} after partial or empty pages, one per {@code idlePollInterval} once idle.
 */
class CostAwarePacingTest {

    private final FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();

    private DynamoDbStreamsReceiver receiver(UnaryOperator<ReceiverOptions.Builder> customizer) {
        return DynamoDbStreamsReceiver.create(customizer.apply(ReceiverOptions.builder()
                .streamsClient(fake).streamArn(fake.streamArn()).checkpointStore(new InMemoryCheckpointStore())
                .pacing(Pacing.COST_AWARE)
                .scheduler(VirtualTimeScheduler.getOrSet())).build());
    }

    private Runnable callsAre(int expected) {
        return () -> assertThat(fake.count(GET_RECORDS)).as("GetRecords calls").isEqualTo(expected);
    }

    @Test
    void aFullPage_isFollowedAtOnce_aPartialOneByTheBudget() {
        fake.addShard("s1");
        fake.putRecords("s1", 2500);

        StepVerifier.withVirtualTime(() -> receiver(b -> b).receive().doOnNext(r -> r.checkpoint().acknowledge()))
                .expectNextCount(2500)
                // 1000 + 1000 at once (full pages), then 500 (partial): the 4th call waits for the budget
                .then(callsAre(3))
                .thenAwait(Duration.ofMillis(249))
                .then(callsAre(3))
                .thenAwait(Duration.ofMillis(1))
                .then(callsAre(4))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void underSteadyTraffic_makesAtMostOneCallPerPollInterval_andDeliversEverything() {
        fake.addShard("s1");
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
        AtomicInteger received = new AtomicInteger();
        Disposable reading = receiver(b -> b.scheduler(scheduler)).receive()
                .subscribe(r -> {
                    received.incrementAndGet();
                    r.checkpoint().acknowledge();
                });
        try {
            scheduler.advanceTimeBy(Duration.ofSeconds(3));
            fake.clearCalls();
            // 20 writes/s for 10 s: every page is partial
            for (int i = 0; i < 200; i++) {
                fake.putRecords("s1", 1);
                scheduler.advanceTimeBy(Duration.ofMillis(50));
            }
            assertThat(fake.count(GET_RECORDS)).as("calls in 10 s at 20 writes/s").isBetween(36L, 41L);
            scheduler.advanceTimeBy(Duration.ofSeconds(1));
            assertThat(received).hasValue(200);
        } finally {
            reading.dispose();
        }
    }

    @Test
    void emptyResponses_keepTheBudgetForIdleAfter_thenSlowToIdlePollInterval_untilRecordsComeBack() {
        fake.addShard("s1");

        StepVerifier.withVirtualTime(() -> receiver(b -> b).receive().doOnNext(r -> r.checkpoint().acknowledge()))
                .expectSubscription()
                // a new shard: the first call at once, then the budget (one call per 250 ms) for idleAfter (30 s)
                .then(callsAre(1))
                .thenAwait(Duration.ofMillis(249))
                .then(callsAre(1))
                .thenAwait(Duration.ofMillis(1))
                .then(callsAre(2))
                .thenAwait(Duration.ofMillis(29_750))
                .then(callsAre(121))
                // ... then idle: the next call 2 s after the last
                .thenAwait(Duration.ofMillis(1999))
                .then(callsAre(121))
                .thenAwait(Duration.ofMillis(1))
                .then(callsAre(122))
                .then(() -> fake.putRecords("s1", 1))
                .thenAwait(Duration.ofSeconds(2))
                .expectNextCount(1)
                .then(fake::clearCalls)
                // records came (t = 34 s): empty calls every 250 ms for 30 s ...
                .thenAwait(Duration.ofSeconds(10))
                .then(() -> assertThat(fake.count(GET_RECORDS)).isBetween(39L, 41L))
                .thenAwait(Duration.ofSeconds(21))
                .then(fake::clearCalls)
                // ... then every 2 s
                .thenAwait(Duration.ofSeconds(20))
                .then(() -> assertThat(fake.count(GET_RECORDS)).as("idle calls in 20 s").isBetween(9L, 11L))
                // new records: found within idlePollInterval, then the budget again
                .then(() -> fake.putRecords("s1", 1))
                .thenAwait(Duration.ofSeconds(2))
                .expectNextCount(1)
                .then(fake::clearCalls)
                .thenAwait(Duration.ofSeconds(5))
                .then(() -> assertThat(fake.count(GET_RECORDS)).isBetween(19L, 21L))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void aRecordWrittenJustAfterSubscribe_isDeliveredWithinOnePollInterval() {
        fake.addShard("s1");
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
        AtomicInteger received = new AtomicInteger();
        Disposable reading = receiver(b -> b.scheduler(scheduler).startPosition(StartPosition.latest())).receive()
                .subscribe(r -> received.incrementAndGet());
        try {
            assertThat(fake.count(GET_RECORDS)).as("first call at subscribe").isEqualTo(1);
            scheduler.advanceTimeBy(Duration.ofMillis(10));
            fake.putRecords("s1", 1);
            scheduler.advanceTimeBy(Duration.ofMillis(239));
            assertThat(received).hasValue(0);
            scheduler.advanceTimeBy(Duration.ofMillis(1));
            assertThat(received).as("delivered 250 ms after subscribe").hasValue(1);
        } finally {
            reading.dispose();
        }
    }

    @Test
    void theBudgetCountsFromTheStartOfTheCall_soASlowCallIsFollowedAtOnce() {
        fake.addShard("s1");
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
        fake.latency(Duration.ofMillis(100), scheduler);
        Disposable reading = receiver(b -> b.scheduler(scheduler)).receive().subscribe();
        try {
            // 100 ms calls: one starts every 250 ms (not every 350 ms)
            scheduler.advanceTimeBy(Duration.ofMillis(9_990));
            assertThat(fake.count(GET_RECORDS)).as("calls in 10 s at 100 ms each").isEqualTo(40);
            fake.clearCalls();
            fake.latency(Duration.ofMillis(300), scheduler);
            // 300 ms calls: above the budget, so each follows the previous at once
            scheduler.advanceTimeBy(Duration.ofSeconds(9));
            assertThat(fake.count(GET_RECORDS)).as("calls in 9 s at 300 ms each").isBetween(30L, 31L);
        } finally {
            reading.dispose();
        }
    }

    @Test
    void isTheDefault() {
        assertThat(ReceiverOptions.builder().tableName("Orders").build().pacing()).isEqualTo(Pacing.COST_AWARE);
        assertThat(ReceiverOptions.DEFAULT_PACING).isEqualTo(Pacing.COST_AWARE);
    }

    @Test
    void idleIntervals_areTunable() {
        fake.addShard("s1");

        StepVerifier.withVirtualTime(() -> receiver(b -> b.pollInterval(Duration.ofMillis(100))
                        .idlePollInterval(Duration.ofSeconds(5)).idleAfter(Duration.ofSeconds(1))).receive())
                .expectSubscription()
                // every 100 ms for 1 s from the start, then every 5 s
                .then(callsAre(1))
                .thenAwait(Duration.ofSeconds(1))
                .then(callsAre(11))
                .thenAwait(Duration.ofMillis(4999))
                .then(callsAre(11))
                .thenAwait(Duration.ofMillis(1))
                .then(callsAre(12))
                .then(() -> fake.putRecords("s1", 1))
                .thenAwait(Duration.ofSeconds(5))
                .expectNextCount(1)
                .then(fake::clearCalls)
                // records at t = 11 s: every 100 ms for 1 s, then every 5 s
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> assertThat(fake.count(GET_RECORDS)).isBetween(9L, 11L))
                .then(fake::clearCalls)
                .thenAwait(Duration.ofSeconds(10))
                .then(() -> assertThat(fake.count(GET_RECORDS)).isBetween(2L, 3L))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }
}
