package io.github.ddbstreams.testkit;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;

/**
 * Netty HTTP clients for tests that close at once.
 *
 * <p>A {@link NettyNioAsyncHttpClient} built without an event loop group creates its own and, on
 * {@code close()}, shuts it down gracefully: Netty's quiet period makes every close block for at least 2 s.
 * A test run closes hundreds of clients (each {@link EmbeddedDynamoDb} closes two), so that was minutes of
 * a build spent waiting. The builders here share one JVM-wide event loop group of daemon threads, which a
 * client does not own: its {@code close()} closes its connections and returns. The group lives as long as the
 * JVM. Connections, pools and settings stay per client, as before.
 *
 * <pre>{@code
 * try (DynamoDbAsyncClient client = DynamoDbAsyncClient.builder()
 *         .httpClientBuilder(TestHttpClients.nettyClientBuilder())
 *         .endpointOverride(dynamoDb.endpoint())
 *         .build()) {
 *     // ...
 * } // returns at once
 * }</pre>
 */
public final class TestHttpClients {

    private TestHttpClients() {
    }

    /**
     * A Netty HTTP client builder on the testkit's shared event loop group; give it to an SDK client builder's
     * {@code httpClientBuilder}, and set anything else on it as usual (but not another event loop group).
     *
     * <pre>{@code
     * DynamoDbStreamsAsyncClient streams = DynamoDbStreamsAsyncClient.builder()
     *         .httpClientBuilder(TestHttpClients.nettyClientBuilder().maxConcurrency(64))
     *         .endpointOverride(endpoint)
     *         .build();
     * }</pre>
     *
     * @return a new builder
     */
    public static NettyNioAsyncHttpClient.Builder nettyClientBuilder() {
        return NettyNioAsyncHttpClient.builder().eventLoopGroup(SharedGroup.GROUP);
    }

    /** The event loop group, created on first use (a holder class: lazily, thread-safely). */
    private static final class SharedGroup {

        static final SdkEventLoopGroup GROUP = SdkEventLoopGroup.builder().threadFactory(daemonThreads()).build();

        private static ThreadFactory daemonThreads() {
            AtomicInteger count = new AtomicInteger();
            return runnable -> {
                Thread thread = new Thread(runnable, "testkit-netty-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            };
        }
    }
}
