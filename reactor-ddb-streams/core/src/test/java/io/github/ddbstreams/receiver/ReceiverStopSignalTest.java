package io.github.ddbstreams.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class ReceiverStopSignalTest {

    private final FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();
    private final InMemoryCheckpointStore saved = new InMemoryCheckpointStore();
    /** Holds every save until opened: the final commit of a cancelled reading waits here. */
    private final Sinks.Empty<Void> gate = Sinks.empty();
    private final CheckpointStore gatedStore = new CheckpointStore() {
        @Override
        public Mono<Map<String, ShardCheckpoint>> load(String streamArn) {
            return saved.load(streamArn);
        }

        @Override
        public Mono<Void> save(String streamArn, Collection<ShardCheckpoint> checkpoints) {
            return gate.asMono().then(saved.save(streamArn, checkpoints));
        }
    };

    private DynamoDbStreamsReceiver receiver() {
        return receiver(fake.streamArn());
    }

    private DynamoDbStreamsReceiver receiver(String streamArn) {
        return DynamoDbStreamsReceiver.create(ReceiverOptions.builder().streamsClient(fake).streamArn(streamArn)
                .checkpointStore(gatedStore).scheduler(VirtualTimeScheduler.getOrSet()).build());
    }

    @Test
    void cancelledSubscription_completesTheSignal_onlyOnceTheFinalCommitIsStored() {
        fake.addShard("s1");
        List<String> seqs = fake.putRecords("s1", 5);
        ReceiverStopSignal stopped = ReceiverStopSignal.create();

        StepVerifier.withVirtualTime(() -> receiver().receive()
                        .contextWrite(stopped::addTo)
                        .doOnNext(r -> r.checkpoint().acknowledge()))
                .expectNextCount(5)
                .thenCancel()
                .verify();

        assertThat(stopped.isStopped()).as("stopped while the final commit waits").isFalse();
        gate.tryEmitEmpty();
        StepVerifier.create(stopped.whenStopped()).verifyComplete();
        assertThat(stopped.isStopped()).isTrue();
        assertThat(saved.snapshot(fake.streamArn())).containsEntry("s1", ShardCheckpoint.at("s1", seqs.get(4)));
    }

    @Test
    void failedSubscription_completesTheSignalToo() {
        ReceiverStopSignal stopped = ReceiverStopSignal.create();
        gate.tryEmitEmpty();
        String unknown = "arn:aws:dynamodb:ddblocal:000000000000:table/Nope/stream/2026-01-01T00:00:00.000";

        StepVerifier.withVirtualTime(() -> receiver(unknown).receivePerShard().contextWrite(stopped::addTo))
                .expectError(StreamUnavailableException.class)
                .verify();

        StepVerifier.create(stopped.whenStopped()).verifyComplete();
    }

    @Test
    void subscriptionWithoutASignal_isUnaffected_andASignalStopsOnce() {
        fake.addShard("s1");
        fake.putRecords("s1", 2);
        gate.tryEmitEmpty();
        StepVerifier.withVirtualTime(() -> receiver().receive().take(2)).expectNextCount(2).verifyComplete();

        ReceiverStopSignal stopped = ReceiverStopSignal.create();
        stopped.stopped();
        stopped.stopped();
        assertThat(stopped.isStopped()).isTrue();
        assertThat(ReceiverStopSignal.in(stopped.addTo(reactor.util.context.Context.empty()))).contains(stopped);
        StepVerifier.create(stopped.whenStopped()).verifyComplete();
    }
}
