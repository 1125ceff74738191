package io.github.ddbstreams.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.ReceiverStopSignal;
import io.github.ddbstreams.record.ChangeRecord;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.GroupedFlux;
import reactor.core.publisher.Sinks;

class DynamoDbStreamsPipelineRunnerTest {

    /** A receiver whose reading, once cancelled, reports itself stopped only when {@link #finalCommit} is emitted. */
    private final Sinks.Empty<Void> finalCommit = Sinks.empty();
    private final DynamoDbStreamsReceiver receiver = new DynamoDbStreamsReceiver() {
        @Override
        public Flux<ChangeRecord> receive() {
            return Flux.deferContextual(context -> Flux.<ChangeRecord>never().doOnCancel(() ->
                    ReceiverStopSignal.in(context).ifPresent(signal ->
                            finalCommit.asMono().subscribe(null, null, signal::stopped))));
        }

        @Override
        public Flux<GroupedFlux<String, ChangeRecord>> receivePerShard() {
            return Flux.never();
        }

        @Override
        public ReceiverOptions options() {
            return ReceiverOptions.builder().tableName("Orders").build();
        }
    };

    @Test
    void stop_waitsUntilTheReceiverReportsItsReadingStopped() {
        DynamoDbStreamsPipelineRunner runner = new DynamoDbStreamsPipelineRunner(receiver, records -> records, true,
                Duration.ofMinutes(1));
        runner.start();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(runner::stop);

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !stopping.isDone());
        finalCommit.tryEmitEmpty();
        await().atMost(Duration.ofSeconds(5)).until(stopping::isDone);
        assertThat(runner.state()).isEqualTo(DynamoDbStreamsPipelineRunner.State.STOPPED);
    }

    @Test
    void stop_givesUpAfterTheShutdownTimeout_andAPipelineThatNeverReadIsNotWaitedFor() {
        DynamoDbStreamsPipelineRunner runner = new DynamoDbStreamsPipelineRunner(receiver, records -> records, true,
                Duration.ofMillis(200));
        runner.start();
        runner.stop(); // the final commit never comes: returns after the timeout
        assertThat(runner.state()).isEqualTo(DynamoDbStreamsPipelineRunner.State.STOPPED);

        DynamoDbStreamsPipelineRunner ignoring = new DynamoDbStreamsPipelineRunner(receiver, records -> Flux.never(),
                true, Duration.ofMinutes(1));
        ignoring.start();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(ignoring::stop);
        await().atMost(Duration.ofSeconds(5)).until(stopping::isDone);
    }
}
