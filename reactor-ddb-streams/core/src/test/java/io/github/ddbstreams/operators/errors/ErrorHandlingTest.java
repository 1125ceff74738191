package io.github.ddbstreams.operators.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.github.ddbstreams.operators.errors.ErrorHandlingOptions.RecordAgeBasis;
import io.github.ddbstreams.operators.errors.FailedRecord.Reason;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.RecordCheckpoint;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class ErrorHandlingTest {

    /** A checkpoint that remembers whether it was acknowledged. */
    static final class TestCheckpoint implements RecordCheckpoint {
        private final AtomicBoolean acknowledged = new AtomicBoolean();

        @Override
        public void acknowledge() {
            acknowledged.set(true);
        }

        @Override
        public Mono<Void> commit() {
            acknowledge();
            return Mono.empty();
        }

        @Override
        public boolean isAcknowledged() {
            return acknowledged.get();
        }
    }

    /** A destination that stores what it gets, after failing {@code failures} times. */
    static final class RecordingDestination implements FailureDestination {
        final List<FailedRecord> stored = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        private final int failures;

        RecordingDestination(int failures) {
            this.failures = failures;
        }

        @Override
        public Mono<Void> send(List<FailedRecord> records) {
            return Mono.defer(() -> {
                if (calls.incrementAndGet() <= failures) {
                    return Mono.error(new IllegalStateException("destination down"));
                }
                // acknowledged only after the destination write: nothing given up is acknowledged yet here
                assertThat(records).noneMatch(r -> r.record().checkpoint().isAcknowledged());
                stored.addAll(records);
                return Mono.empty();
            });
        }
    }

    private static List<ChangeRecord> records(String shard, int count, long firstSequence) {
        return IntStream.range(0, count)
                .mapToObj(i -> ChangeRecord.builder()
                        .eventId("event-" + shard + "-" + i)
                        .eventName(EventName.INSERT)
                        .keys(Map.of("pk", AttributeValue.fromS("key-" + i)))
                        .newImage(Map.of("pk", AttributeValue.fromS("key-" + i), "n", AttributeValue.fromN(Integer.toString(i))))
                        .sequenceNumber(Long.toString(firstSequence + i))
                        .shardId(shard)
                        .streamArn("arn:stream")
                        .checkpoint(new TestCheckpoint())
                        .build())
                .collect(Collectors.toList());
    }

    private static List<Integer> acknowledged(List<ChangeRecord> records) {
        return IntStream.range(0, records.size()).filter(i -> records.get(i).checkpoint().isAcknowledged())
                .boxed().collect(Collectors.toList());
    }

    private static ErrorHandlingOptions.Builder options(VirtualTimeScheduler scheduler) {
        return ErrorHandlingOptions.builder()
                .scheduler(scheduler)
                .retryBackoff(Duration.ofSeconds(1))
                .maxRetryBackoff(Duration.ofSeconds(8))
                .retryJitter(0);
    }

    @Test
    void process_whenWholeBatchSucceeds_acknowledgesEveryRecordAndEmitsSuccess() {
        List<ChangeRecord> records = records("shard-1", 10, 100);
        RecordBatch batch = RecordBatch.of(records);
        AtomicInteger calls = new AtomicInteger();

        StepVerifier.create(Flux.just(batch).transform(ErrorHandling.process(ErrorHandlingOptions.defaults(),
                        b -> Mono.fromCallable(() -> {
                            calls.incrementAndGet();
                            return BatchResult.success(b);
                        }))))
                .assertNext(result -> {
                    assertThat(result.isSuccess()).isTrue();
                    assertThat(result.batch()).isEqualTo(batch);
                })
                .verifyComplete();
        assertThat(calls).hasValue(1);
        assertThat(acknowledged(records)).hasSize(10);
    }

    @Test
    void process_whenAnErrorIsNotRetryable_bisectsAndGivesThePoisonRecordUpAtOnce_whileOutagesStillRetry() {
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
        List<ChangeRecord> records = records("shard-1", 100, 1000);
        RecordingDestination destination = new RecordingDestination(0);
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger outages = new AtomicInteger(2);

        StepVerifier.withVirtualTime(() -> Flux.just(RecordBatch.of(records)).transform(ErrorHandling.run(
                        options(scheduler).maxAttempts(1_000).bisectOnError(true).failureDestination(destination)
                                .retryable(error -> !(error instanceof IllegalArgumentException)).build(),
                        batch -> Mono.defer(() -> {
                            calls.incrementAndGet();
                            if (outages.getAndDecrement() > 0) {
                                return Mono.error(new IllegalStateException("sink restarting"));
                            }
                            boolean poison = batch.records().stream().anyMatch(r -> r.sequenceNumber().equals("1042"));
                            return poison ? Mono.error(new IllegalArgumentException("poison")) : Mono.empty();
                        }))), () -> scheduler, 1)
                .thenAwait(Duration.ofMinutes(5))
                .assertNext(result -> assertThat(result.failures()).extracting(f -> f.record().sequenceNumber())
                        .containsExactly("1042"))
                .verifyComplete();
        assertThat(destination.stored).singleElement().satisfies(failed -> {
            assertThat(failed.reason()).isEqualTo(FailedRecord.Reason.POISON_RECORD);
            assertThat(failed.attempts()).isEqualTo(1);
        });
        assertThat(acknowledged(records)).hasSize(100);
        assertThat(calls.get()).isLessThanOrEqualTo(2 + 2 + 2 * 7 + 1);
    }

    @Test
    void process_whenEmptyBatch_emitsSuccessWithoutCallingWork() {
        StepVerifier.create(Flux.just(RecordBatch.of(List.of())).transform(ErrorHandling.process(
                        ErrorHandlingOptions.defaults(), b -> Mono.error(new AssertionError("called")))))
                .assertNext(result -> assertThat(result.isSuccess()).isTrue())
                .verifyComplete();
    }

    @Test
    void process_whenPartialFailure_acknowledgesPrefixAtOnceAndRetriesFromFirstFailure() {
        List<ChangeRecord> records = records("shard-1", 10, 100);
        List<RecordBatch> calls = new CopyOnWriteArrayList<>();
        Function<RecordBatch, Mono<BatchResult>> work = b -> Mono.fromCallable(() -> {
            calls.add(b);
            if (calls.size() == 1) {
                return BatchResult.of(b, List.of(new BatchResult.RecordFailure(b.records().get(3), new RuntimeException("no")),
                        new BatchResult.RecordFailure(b.records().get(6), new RuntimeException("no"))));
            }
            return BatchResult.success(b);
        });

        StepVerifier.withVirtualTime(() -> Flux.just(RecordBatch.of(records))
                        .transform(ErrorHandling.process(options(VirtualTimeScheduler.get()).build(), work)))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(999))
                .then(() -> {
                    assertThat(calls).hasSize(1);
                    assertThat(acknowledged(records)).containsExactly(0, 1, 2);
                })
                .thenAwait(Duration.ofMillis(1))
                .assertNext(result -> assertThat(result.isSuccess()).isTrue())
                .verifyComplete();
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1).records()).isEqualTo(records.subList(3, 10));
        assertThat(acknowledged(records)).hasSize(10);
    }

    @Test
    void process_whenWorkKeepsFailing_retriesWithExponentialBackoffWithinJitterBounds() {
        for (int run = 0; run < 20; run++) {
            List<Long> callTimes = new CopyOnWriteArrayList<>();
            VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
            RecordingDestination destination = new RecordingDestination(0);
            ErrorHandlingOptions options = ErrorHandlingOptions.builder().scheduler(scheduler)
                    .retryBackoff(Duration.ofSeconds(1)).maxRetryBackoff(Duration.ofSeconds(5)).retryJitter(0.5)
                    .maxAttempts(5).failureDestination(destination).build();

            Flux.just(RecordBatch.of(records("shard-1", 3, 1)))
                    .transform(ErrorHandling.process(options, b -> Mono.defer(() -> {
                        callTimes.add(scheduler.now(TimeUnit.MILLISECONDS));
                        return Mono.error(new RuntimeException("down"));
                    })))
                    .subscribe();
            scheduler.advanceTimeBy(Duration.ofMinutes(1));

            assertThat(callTimes).hasSize(5);
            List<Long> gaps = IntStream.range(1, 5).mapToObj(i -> callTimes.get(i) - callTimes.get(i - 1))
                    .collect(Collectors.toList());
            // base 1 s, 2 s, 4 s, 5 s (capped), each ± 50% but within [retryBackoff, maxRetryBackoff]
            assertThat(gaps.get(0)).isBetween(1000L, 1500L);
            assertThat(gaps.get(1)).isBetween(1000L, 3000L);
            assertThat(gaps.get(2)).isBetween(2000L, 5000L);
            assertThat(gaps.get(3)).isBetween(2500L, 5000L);
            assertThat(destination.stored).hasSize(3);
        }
    }

    @Test
    void process_whenMaxAttemptsExhausted_sendsFullRecordsWithErrorAndAttemptsThenAcknowledges() {
        List<ChangeRecord> records = records("shard-1", 4, 500);
        RecordingDestination destination = new RecordingDestination(0);
        RuntimeException error = new RuntimeException("sink rejects");
        AtomicInteger calls = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> Flux.just(RecordBatch.of(records))
                        .transform(ErrorHandling.process(options(VirtualTimeScheduler.get())
                                .maxAttempts(3).failureDestination(destination).build(), b -> Mono.defer(() -> {
                                    calls.incrementAndGet();
                                    return Mono.error(error);
                                }))))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(2)) // attempts at 0 s and 1 s
                .then(() -> assertThat(destination.stored).isEmpty())
                .thenAwait(Duration.ofSeconds(1)) // third attempt at 3 s
                .assertNext(result -> {
                    assertThat(result.failures()).extracting(BatchResult.RecordFailure::record).isEqualTo(records);
                    assertThat(result.failures()).allSatisfy(f -> assertThat(f.error()).isInstanceOf(FailedRecordException.class));
                })
                .verifyComplete();

        assertThat(calls).hasValue(3);
        assertThat(destination.stored).hasSize(4);
        FailedRecord first = destination.stored.get(0);
        assertThat(first.record()).isSameAs(records.get(0));
        assertThat(first.record().newImage()).containsKey("n");
        assertThat(first.reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
        assertThat(first.error()).isSameAs(error);
        assertThat(first.attempts()).isEqualTo(3);
        assertThat(first.firstAttemptAt()).isEqualTo(Instant.EPOCH);
        assertThat(first.failedAt()).isEqualTo(Instant.EPOCH.plusSeconds(3));
        assertThat(acknowledged(records)).hasSize(4);
    }

    @Test
    void process_whenRecordOlderThanMaxAgeSinceFirstSeen_sendsItToDestinationWithoutMoreAttempts() {
        List<ChangeRecord> records = records("shard-1", 2, 1);
        RecordingDestination destination = new RecordingDestination(0);
        AtomicInteger calls = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> Flux.just(RecordBatch.of(records))
                        .transform(ErrorHandling.process(options(VirtualTimeScheduler.get())
                                .maxAttempts(Integer.MAX_VALUE).maxRecordAge(Duration.ofSeconds(10))
                                .recordAgeBasis(RecordAgeBasis.FIRST_SEEN).failureDestination(destination).build(),
                                b -> Mono.defer(() -> {
                                    calls.incrementAndGet();
                                    return Mono.error(new RuntimeException("down"));
                                }))))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(10))
                .then(() -> assertThat(destination.stored).isEmpty())
                // attempts at 0, 1, 3, 7 s; at 15 s the records are 15 s old: given up before a 5th call
                .thenAwait(Duration.ofSeconds(5))
                .assertNext(result -> assertThat(result.failures()).hasSize(2))
                .verifyComplete();

        assertThat(calls).hasValue(4);
        assertThat(destination.stored).extracting(FailedRecord::reason).containsOnly(Reason.MAX_AGE_EXCEEDED);
        assertThat(destination.stored.get(0).attempts()).isEqualTo(4);
        assertThat(destination.stored.get(0).error()).hasMessage("down");
        assertThat(acknowledged(records)).containsExactly(0, 1);
    }

    @Test
    void process_whenCreationTimeOlderThanMaxAge_givesUpBeforeTheFirstAttempt() {
        List<ChangeRecord> records = records("shard-1", 3, 1).stream()
                .map(r -> r.toBuilder().approximateCreationTime(Instant.EPOCH.minusSeconds(3600)).build())
                .collect(Collectors.toList());
        RecordingDestination destination = new RecordingDestination(0);

        StepVerifier.withVirtualTime(() -> Flux.just(RecordBatch.of(records))
                        .transform(ErrorHandling.process(options(VirtualTimeScheduler.get())
                                .maxRecordAge(Duration.ofMinutes(30)).failureDestination(destination).build(),
                                b -> Mono.error(new AssertionError("must not be called")))))
                .assertNext(result -> assertThat(result.failures()).hasSize(3))
                .verifyComplete();
        assertThat(destination.stored).allSatisfy(f -> {
            assertThat(f.reason()).isEqualTo(Reason.MAX_AGE_EXCEEDED);
            assertThat(f.attempts()).isZero();
            assertThat(f.firstAttemptAt()).isNull();
            assertThat(f.error()).isNull();
        });
        assertThat(acknowledged(records)).hasSize(3);
    }

    /** Runs a batch of 100 with poison records through bisection; returns the number of work calls. */
    private static int bisect(List<ChangeRecord> records, List<Integer> poison, int maxAttempts,
            RecordingDestination destination, List<ChangeRecord> processed) {
        AtomicInteger calls = new AtomicInteger();
        Function<RecordBatch, Mono<BatchResult>> work = b -> Mono.defer(() -> {
            calls.incrementAndGet();
            for (int p : poison) {
                if (b.records().contains(records.get(p))) {
                    return Mono.error(new IllegalArgumentException("poison"));
                }
            }
            processed.addAll(b.records());
            return Mono.just(BatchResult.success(b));
        });
        StepVerifier.withVirtualTime(() -> Flux.just(RecordBatch.of(records))
                        .transform(ErrorHandling.process(options(VirtualTimeScheduler.get()).maxAttempts(maxAttempts)
                                .bisectOnError(true).failureDestination(destination).build(), work)))
                .thenAwait(Duration.ofMinutes(5))
                .assertNext(result -> assertThat(result.failures()).hasSize(poison.size()))
                .verifyComplete();
        return calls.get();
    }

    @Test
    void process_withBisect_isolatesOnePoisonRecordOfOneHundredInFewCallsWherever() {
        int bound = (int) Math.floor(2 * Math.log(100) / Math.log(2) + 1); // 14
        int maxCalls = 0;
        for (int poison = 0; poison < 100; poison++) {
            List<ChangeRecord> records = records("shard-1", 100, 1000);
            RecordingDestination destination = new RecordingDestination(0);
            List<ChangeRecord> processed = new ArrayList<>();

            int calls = bisect(records, List.of(poison), 3, destination, processed);

            assertThat(calls).as("calls with the poison at %d", poison).isLessThanOrEqualTo(bound);
            maxCalls = Math.max(maxCalls, calls);
            List<ChangeRecord> good = new ArrayList<>(records);
            good.remove(poison);
            assertThat(processed).isEqualTo(good); // each good record once, in order
            assertThat(destination.stored).hasSize(1);
            FailedRecord failed = destination.stored.get(0);
            assertThat(failed.record()).isSameAs(records.get(poison));
            assertThat(failed.reason()).isEqualTo(Reason.POISON_RECORD);
            assertThat(failed.attempts()).isEqualTo(3);
            assertThat(acknowledged(records)).hasSize(100);
        }
        // 1 + ceil(log2 100) calls to fail alone at worst, 2 retries, 1 call for the rest
        assertThat(maxCalls).isEqualTo(12);
    }

    @Test
    void process_withBisectAndOneAttempt_givesUpThePoisonRecordAfterAtMostNineCalls() {
        int maxCalls = 0;
        for (int poison = 0; poison < 100; poison++) {
            List<ChangeRecord> records = records("shard-1", 100, 1000);
            RecordingDestination destination = new RecordingDestination(0);
            maxCalls = Math.max(maxCalls, bisect(records, List.of(poison), 1, destination, new ArrayList<>()));
            assertThat(destination.stored).hasSize(1);
        }
        assertThat(maxCalls).isLessThanOrEqualTo(10);
    }

    @Test
    void process_withBisect_isolatesTwoPoisonRecordsAndProcessesTheOthers() {
        List<ChangeRecord> records = records("shard-1", 100, 1000);
        RecordingDestination destination = new RecordingDestination(0);
        List<ChangeRecord> processed = new ArrayList<>();

        int calls = bisect(records, List.of(17, 63), 3, destination, processed);

        assertThat(destination.stored).extracting(FailedRecord::record).containsExactly(records.get(17), records.get(63));
        assertThat(destination.stored).extracting(FailedRecord::reason).containsOnly(Reason.POISON_RECORD);
        List<ChangeRecord> good = new ArrayList<>(records);
        good.remove(63);
        good.remove(17);
        assertThat(processed).isEqualTo(good);
        assertThat(acknowledged(records)).hasSize(100);
        assertThat(calls).isLessThanOrEqualTo(2 * 12);
    }

    @Test
    void process_whenDestinationKeepsFailing_retriesItThenFailsTheFluxWithoutAcknowledging() {
        List<ChangeRecord> records = records("shard-1", 3, 42);
        RecordingDestination destination = new RecordingDestination(Integer.MAX_VALUE);

        StepVerifier.withVirtualTime(() -> Flux.just(RecordBatch.of(records))
                        .transform(ErrorHandling.process(options(VirtualTimeScheduler.get()).maxAttempts(2)
                                .destinationMaxAttempts(4).failureDestination(destination).build(),
                                b -> Mono.error(new RuntimeException("down")))))
                .expectSubscription()
                .thenAwait(Duration.ofMinutes(1))
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(FailedRecordException.class)
                            .hasMessageContaining("sequenceNumber=42 of shard shard-1")
                            .hasMessageContaining("failure destination in 4 attempts")
                            .hasRootCauseMessage("destination down");
                    assertThat(((FailedRecordException) error).failedRecord().record()).isSameAs(records.get(0));
                })
                .verify();
        assertThat(destination.calls).hasValue(4);
        assertThat(acknowledged(records)).isEmpty();
    }

    @Test
    void process_whenDestinationFailsOnce_retriesItAndAcknowledges() {
        List<ChangeRecord> records = records("shard-1", 1, 42);
        RecordingDestination destination = new RecordingDestination(1);

        StepVerifier.withVirtualTime(() -> Flux.just(RecordBatch.of(records))
                        .transform(ErrorHandling.process(options(VirtualTimeScheduler.get()).maxAttempts(1)
                                .failureDestination(destination).build(), b -> Mono.error(new RuntimeException("down")))))
                .thenAwait(Duration.ofMinutes(1))
                .expectNextCount(1)
                .verifyComplete();
        assertThat(destination.calls).hasValue(2);
        assertThat(destination.stored).hasSize(1);
        assertThat(acknowledged(records)).containsExactly(0);
    }

    @Test
    void process_withoutDestination_failsTheFluxNamingShardAndSequenceNumber() {
        List<ChangeRecord> records = records("shard-7", 2, 12345);

        StepVerifier.withVirtualTime(() -> Flux.just(RecordBatch.of(records))
                        .transform(ErrorHandling.process(options(VirtualTimeScheduler.get()).maxAttempts(2).build(),
                                b -> Mono.error(new RuntimeException("down")))))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(FailedRecordException.class)
                        .hasMessageContaining("sequenceNumber=12345 of shard shard-7")
                        .hasMessageContaining("no failureDestination is set")
                        .hasMessageContaining("RETRIES_EXHAUSTED")
                        .hasCauseInstanceOf(RuntimeException.class))
                .verify();
        assertThat(acknowledged(records)).isEmpty();
    }

    @Test
    void process_batchesOfOneShard_runOneAtATimeInOrderWhileOtherShardsProceed() {
        List<ChangeRecord> a1 = records("shard-a", 2, 1);
        List<ChangeRecord> a2 = records("shard-a", 2, 3);
        List<ChangeRecord> b1 = records("shard-b", 2, 1);
        List<String> events = new CopyOnWriteArrayList<>();
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
        AtomicInteger a1Calls = new AtomicInteger();
        Function<RecordBatch, Mono<BatchResult>> work = b -> Mono.defer(() -> {
            String name = b.records().get(0) == a1.get(0) ? "a1" : b.records().get(0) == a2.get(0) ? "a2" : "b1";
            events.add(name + "@" + scheduler.now(TimeUnit.MILLISECONDS));
            if (name.equals("a1") && a1Calls.incrementAndGet() == 1) {
                return Mono.<BatchResult>error(new RuntimeException("first try fails"));
            }
            return Mono.delay(Duration.ofMillis(100), scheduler).thenReturn(BatchResult.success(b));
        });
        List<BatchResult> results = new CopyOnWriteArrayList<>();

        Flux.just(RecordBatch.of(a1), RecordBatch.of(a2), RecordBatch.of(b1))
                .transform(ErrorHandling.process(options(scheduler).concurrency(4).build(), work))
                .subscribe(results::add);
        scheduler.advanceTimeBy(Duration.ofMillis(500));
        assertThat(events).containsExactly("a1@0", "b1@0");
        assertThat(acknowledged(a2)).isEmpty();
        scheduler.advanceTimeBy(Duration.ofSeconds(5));

        // a1 retried at 1 s, done at 1.1 s; only then a2
        assertThat(events).containsExactly("a1@0", "b1@0", "a1@1000", "a2@1100");
        assertThat(results).extracting(r -> r.batch().records().get(0))
                .containsExactly(b1.get(0), a1.get(0), a2.get(0));
        assertThat(acknowledged(a1)).hasSize(2);
        assertThat(acknowledged(a2)).hasSize(2);
    }

    @Test
    void process_withConcurrencyOne_processesShardsOneAfterAnother() {
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
        List<String> events = new CopyOnWriteArrayList<>();
        Flux.just(RecordBatch.of(records("x", 1, 1)), RecordBatch.of(records("y", 1, 1)))
                .transform(ErrorHandling.process(options(scheduler).concurrency(1).build(), b -> Mono.defer(() -> {
                    events.add(b.shardId() + "@" + scheduler.now(TimeUnit.MILLISECONDS));
                    return Mono.delay(Duration.ofMillis(100), scheduler).thenReturn(BatchResult.success(b));
                })))
                .subscribe();
        scheduler.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(events).containsExactly("x@0", "y@100");
    }

    @Test
    void run_whenActionFailsThenSucceeds_retriesTheWholeBatchAndAcknowledges() {
        List<ChangeRecord> records = records("shard-1", 5, 1);
        AtomicInteger calls = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> Flux.just(RecordBatch.of(records))
                        .transform(ErrorHandling.run(options(VirtualTimeScheduler.get()).build(), b -> Mono.defer(() ->
                                calls.incrementAndGet() == 1 ? Mono.error(new RuntimeException("once")) : Mono.empty()))))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(result -> assertThat(result.isSuccess()).isTrue())
                .verifyComplete();
        assertThat(calls).hasValue(2);
        assertThat(acknowledged(records)).hasSize(5);
    }

    @Test
    void process_whenWorkCompletesEmpty_failsTheFluxAsAProgrammingError() {
        List<ChangeRecord> records = records("shard-1", 2, 1);
        StepVerifier.create(Flux.just(RecordBatch.of(records))
                        .transform(ErrorHandling.process(ErrorHandlingOptions.defaults(), b -> Mono.empty())))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("without a BatchResult"))
                .verify();
        assertThat(acknowledged(records)).isEmpty();
    }

    @Test
    void process_whenRetrying_countsRetriesGivenUpRecordsAndShowsHowLongItFails() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
        RecordingDestination destination = new RecordingDestination(0);
        Flux.just(RecordBatch.of(records("shard-1", 2, 1)))
                .transform(ErrorHandling.process(options(scheduler).maxAttempts(3).meterRegistry(registry).name("orders")
                        .failureDestination(destination).build(), b -> Mono.error(new RuntimeException("down"))))
                .subscribe();

        scheduler.advanceTimeBy(Duration.ofMillis(2500));
        assertThat(registry.get("ddb.streams.errors.retrying.duration.max").tag("name", "orders").gauge().value())
                .isEqualTo(2.5);
        assertThat(registry.get("ddb.streams.errors.retries").counter().count()).isEqualTo(4);

        scheduler.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(registry.get("ddb.streams.errors.failed.records").tag("reason", "RETRIES_EXHAUSTED").counter().count())
                .isEqualTo(2);
        assertThat(registry.get("ddb.streams.errors.retrying.duration.max").gauge().value()).isZero();
    }

    @Test
    void backoff_staysWithinRetryBackoffAndMaxRetryBackoff() {
        BatchProcessor processor = new BatchProcessor(RecordBatch.of(List.of()), b -> Mono.empty(),
                ErrorHandlingOptions.builder().retryBackoff(Duration.ofMillis(100)).maxRetryBackoff(Duration.ofSeconds(2))
                        .retryJitter(1).build(), ErrorHandlingMetrics.NONE, 0);
        for (int attempt = 1; attempt < 100; attempt++) {
            assertThat(processor.backoff(attempt)).isBetween(Duration.ofMillis(100), Duration.ofSeconds(2));
        }
        assertThat(processor.backoff(Integer.MAX_VALUE)).isBetween(Duration.ofMillis(100), Duration.ofSeconds(2));
    }
}
