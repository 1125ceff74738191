package io.github.ddbstreams.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.batch.Batching;
import io.github.ddbstreams.operators.dedupe.Dedupe;
import io.github.ddbstreams.operators.errors.ErrorHandling;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions;
import io.github.ddbstreams.operators.filter.Filters;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Micrometer is an optional dependency: the receiver and the operators work without it on the classpath.
 * Runs in its own surefire execution whose classpath excludes every io.micrometer artifact (see core/pom.xml).
 */
class WithoutMicrometerTest {

    @Test
    void micrometerIsNotOnTheClasspath() {
        assertThatThrownBy(() -> Class.forName("io.micrometer.core.instrument.MeterRegistry"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void receiverAndOperators_runWithoutMicrometer() {
        FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();
        fake.addShard("s1");
        List<String> seqs = fake.putRecords("s1", 20);

        StepVerifier.withVirtualTime(() -> DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                                .streamsClient(fake).streamArn(fake.streamArn())
                                .scheduler(VirtualTimeScheduler.getOrSet()).build())
                        .receive()
                        .transform(Dedupe.bySequenceNumber())
                        .transform(Filters.matching("{\"eventName\": [\"INSERT\"]}"))
                        .transform(Batching.batches(BatchOptions.builder().maxRecords(5)
                                .scheduler(VirtualTimeScheduler.getOrSet()).build()))
                        .transform(ErrorHandling.process(ErrorHandlingOptions.builder()
                                        .scheduler(VirtualTimeScheduler.getOrSet()).build(),
                                batch -> Mono.just(BatchResult.success(batch))))
                        .take(4))
                .thenAwait(Duration.ofSeconds(5))
                .expectNextCount(4)
                .verifyComplete();
        assertThat(seqs).hasSize(20);
    }
}
