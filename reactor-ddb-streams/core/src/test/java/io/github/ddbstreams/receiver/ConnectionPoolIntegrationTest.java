package io.github.ddbstreams.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.SimulatedStreamsService;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * Many shards on a small connection pool, over HTTP against {@link SimulatedStreamsService}: 200 shards, a client
 * of 4 connections with a 1 s acquisition timeout, 50 ms per call. Unbounded, the receiver queues a call per shard
 * on the pool and calls fail for want of a connection; bounded by {@code maxConcurrentCalls} no call waits for one.
 */
class ConnectionPoolIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPoolIntegrationTest.class);
    private static final int SHARDS = 200;
    private static final int CONNECTIONS = 6;

    @Test
    void receive_200ShardsOnA6ConnectionClient_noCallWaitsForAConnection() {
        CallWatch watch = new CallWatch();
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(SHARDS)
                .rotationPeriod(Duration.ZERO).latency(Duration.ofMillis(50), Duration.ofMillis(50)).seed(14).start();
             DynamoDbStreamsAsyncClient client = DynamoDbStreamsAsyncClient.builder()
                     .endpointOverride(service.endpoint())
                     .region(EmbeddedDynamoDb.REGION)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                             EmbeddedDynamoDb.DUMMY_CREDENTIAL, EmbeddedDynamoDb.DUMMY_CREDENTIAL)))
                     .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(CONNECTIONS)
                             .connectionAcquisitionTimeout(Duration.ofSeconds(1)))
                     .overrideConfiguration(o -> o.addExecutionInterceptor(watch))
                     .build()) {
            int total = 2_000;
            for (int i = 0; i < total; i++) {
                service.write("key-" + i);
            }
            AtomicLong received = new AtomicLong();
            Set<String> shardsRead = ConcurrentHashMap.newKeySet();
            DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                    .streamsClient(client)
                    .streamArn(service.streamArn())
                    .checkpointStore(new InMemoryCheckpointStore())
                    .maxConcurrentCalls(CONNECTIONS - ReceiverOptions.DISCOVERY_CONNECTIONS)
                    .build());
            long start = System.nanoTime();
            Disposable subscription = receiver.receive()
                    .doOnNext(r -> {
                        received.incrementAndGet();
                        shardsRead.add(r.shardId());
                        r.checkpoint().acknowledge();
                    })
                    .subscribe(r -> { }, e -> log.error("receive failed", e));
            try {
                Awaitility.await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100))
                        .until(() -> received.get() >= total || subscription.isDisposed());
            } catch (ConditionTimeoutException e) {
                log.warn("not all records received in 40 s; the assertions below say what happened");
            } finally {
                subscription.dispose();
            }
            log.info("received {} of {} from {} shards in {} ms; calls {}; most calls in flight at the client {};"
                    + " calls failed waiting for a connection {}", received.get(), total, shardsRead.size(),
                    (System.nanoTime() - start) / 1_000_000, service.calls(), watch.maxInFlight.get(),
                    watch.acquireTimeouts.get());
            assertThat(watch.acquireTimeouts.get()).as("calls failed waiting for a pooled connection").isZero();
            assertThat(received.get()).isEqualTo(total);
            assertThat(shardsRead).hasSize(service.shardCount());
            assertThat(watch.maxInFlight.get()).as("calls in flight at the client, discovery included")
                    .isLessThanOrEqualTo(CONNECTIONS);
        }
    }

    /** Counts the client's calls in flight (queued for a connection included) and connection acquisition timeouts. */
    static final class CallWatch implements ExecutionInterceptor {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicInteger acquireTimeouts = new AtomicInteger();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        }

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            inFlight.decrementAndGet();
        }

        @Override
        public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
            inFlight.decrementAndGet();
            for (Throwable t = context.exception(); t != null; t = t.getCause()) {
                if (t.getMessage() != null && t.getMessage().contains("Acquire operation took longer")) {
                    acquireTimeouts.incrementAndGet();
                    return;
                }
            }
        }
    }
}
