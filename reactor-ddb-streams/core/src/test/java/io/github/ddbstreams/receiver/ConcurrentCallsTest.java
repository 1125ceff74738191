package io.github.ddbstreams.receiver;

import static io.github.ddbstreams.testkit.FakeDynamoDbStreams.Operation.GET_RECORDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * {@link ReceiverOptions#maxConcurrentCalls()}: the bound on GetShardIterator and GetRecords calls in flight over
 * all shards, and the turn the shards take. Virtual time, scripted fake answering after 100 ms.
 */
class ConcurrentCallsTest {

    private static final int SHARDS = 30;
    private static final int PAGES = 3;

    @Test
    void receive_withMaxConcurrentCalls3_neverHasMoreCallsInFlight_andTheShardsTakeTurns() {
        FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();
        for (int i = 0; i < SHARDS; i++) {
            fake.addShard("s" + i);
            fake.putRecords("s" + i, PAGES * 1000);
        }
        InFlight client = new InFlight(fake);

        StepVerifier.withVirtualTime(() -> {
                    fake.latency(Duration.ofMillis(100), VirtualTimeScheduler.get());
                    return DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                            .streamsClient(client)
                            .streamArn(fake.streamArn())
                            .checkpointStore(new InMemoryCheckpointStore())
                            .scheduler(VirtualTimeScheduler.get())
                            .maxConcurrentCalls(3)
                            .build()).receive()
                            .doOnNext(r -> r.checkpoint().acknowledge());
                })
                .thenAwait(Duration.ofMinutes(1))
                .expectNextCount((long) SHARDS * PAGES * 1000)
                .thenCancel()
                .verify(Duration.ofSeconds(30));

        assertThat(client.max.get()).as("GetShardIterator and GetRecords calls in flight at once").isEqualTo(3);
        // every shard full pages behind, each could go again at once: in turn, each got its first page before
        // any got its last
        List<String> pages = fake.calls().stream().filter(c -> c.operation() == GET_RECORDS)
                .map(FakeDynamoDbStreams.Call::shardId).toList();
        Map<String, Integer> seen = new HashMap<>();
        int firstLastPage = -1;
        int lastFirstPage = -1;
        for (int i = 0; i < pages.size(); i++) {
            int n = seen.merge(pages.get(i), 1, Integer::sum);
            if (n == 1) {
                lastFirstPage = i;
            } else if (n == PAGES && firstLastPage < 0) {
                firstLastPage = i;
            }
        }
        assertThat(seen).hasSize(SHARDS);
        assertThat(lastFirstPage).as("the last shard's first page came before any shard's last page")
                .isLessThan(firstLastPage);
    }

    /** The fake, counting the receiver's GetShardIterator and GetRecords calls in flight. */
    private static final class InFlight implements DynamoDbStreamsAsyncClient {
        private final FakeDynamoDbStreams fake;
        private final AtomicInteger now = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();

        InFlight(FakeDynamoDbStreams fake) {
            this.fake = fake;
        }

        private <T> CompletableFuture<T> counted(CompletableFuture<T> call) {
            max.accumulateAndGet(now.incrementAndGet(), Math::max);
            return call.whenComplete((r, e) -> now.decrementAndGet());
        }

        @Override
        public CompletableFuture<DescribeStreamResponse> describeStream(DescribeStreamRequest request) {
            return fake.describeStream(request);
        }

        @Override
        public CompletableFuture<GetShardIteratorResponse> getShardIterator(GetShardIteratorRequest request) {
            return counted(fake.getShardIterator(request));
        }

        @Override
        public CompletableFuture<GetRecordsResponse> getRecords(GetRecordsRequest request) {
            return counted(fake.getRecords(request));
        }

        @Override
        public String serviceName() {
            return fake.serviceName();
        }

        @Override
        public void close() {
        }
    }
}
