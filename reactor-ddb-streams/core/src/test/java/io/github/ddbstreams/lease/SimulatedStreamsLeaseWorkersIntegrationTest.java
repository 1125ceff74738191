package io.github.ddbstreams.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.SimulatedStreamsService;
import io.github.ddbstreams.testkit.TestHttpClients;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * Four workers over HTTP on the {@link SimulatedStreamsService} (32 partitions rotating every 4 service hours at
 * 1,800 times real time, i.e. every 8 real seconds, a tenth of the rotations splits, the service's DescribeStream limit of 10 calls/s on),
 * the lease table on DynamoDB Local: every record delivered, each key's changes in order across shards, workers
 * and rotations (so each shard in order and parents before children), and the DescribeStream traffic bounded
 * whatever the number of workers: full listings one per {@code shardDiscoveryInterval} plus one at the describer's
 * start (the other workers list nothing), children queries at most one per shard end; the receivers' {@code ddb.streams.describestream.calls} meters
 * add up to the calls the service counted. Measured on a machine loaded to 35: 40 s from start to the last record
 * (57 s with DynamoDB Local's start).
 */
class SimulatedStreamsLeaseWorkersIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(SimulatedStreamsLeaseWorkersIntegrationTest.class);
    private static final int WORKERS = 4;
    private static final Duration DISCOVERY = Duration.ofSeconds(3);

    /** Successful DescribeStream calls of every worker: full listings (first pages) and children queries. */
    private final AtomicLong fullListings = new AtomicLong();
    private final AtomicLong childrenQueries = new AtomicLong();
    /** Every delivery, in delivery order: key and version. */
    private final List<long[]> deliveries = new ArrayList<>();
    private final Set<String> distinct = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Throwable> failed = new AtomicReference<>();

    private final class CountingDescribes implements ExecutionInterceptor {
        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof DescribeStreamRequest request) {
                if (request.shardFilter() != null) {
                    childrenQueries.incrementAndGet();
                } else if (request.exclusiveStartShardId() == null) {
                    fullListings.incrementAndGet();
                }
            }
        }
    }

    private DynamoDbStreamsAsyncClient streamsClient(SimulatedStreamsService service) {
        return DynamoDbStreamsAsyncClient.builder()
                .endpointOverride(service.endpoint())
                .region(EmbeddedDynamoDb.REGION)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedDynamoDb.DUMMY_CREDENTIAL, EmbeddedDynamoDb.DUMMY_CREDENTIAL)))
                .httpClientBuilder(TestHttpClients.nettyClientBuilder())
                .overrideConfiguration(c -> c.addExecutionInterceptor(new CountingDescribes()))
                .build();
    }

    @Test
    void fourWorkers_32RotatingPartitions_everyRecordInKeyOrder_describeStreamBounded() {
        int total = 4_000;
        int keys = 300;
        String leaseTable = "leases-" + System.nanoTime();
        List<SimpleMeterRegistry> meters = new ArrayList<>();
        List<Disposable> subscriptions = new ArrayList<>();
        List<AutoCloseable> clients = new ArrayList<>();
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
             SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(32)
                     .rotationPeriod(Duration.ofHours(4)).splitProbability(0.1).timeScale(1800)
                     .retention(Duration.ofDays(7)).iteratorLifetime(Duration.ofDays(7)).seed(32).start()) {
            long start = System.nanoTime();
            for (int i = 1; i <= WORKERS; i++) {
                DynamoDbStreamsAsyncClient streams = streamsClient(service);
                DynamoDbAsyncClient leases = dynamoDb.newDynamoDbAsyncClient();
                clients.add(streams);
                clients.add(leases);
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                meters.add(registry);
                subscriptions.add(DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                                .streamsClient(streams)
                                .streamArn(service.streamArn())
                                .pollInterval(Duration.ofMillis(100))
                                .commitInterval(Duration.ofMillis(500))
                                .shardDiscoveryInterval(DISCOVERY)
                                .meterRegistry(registry)
                                .leases(LeaseOptions.builder().client(leases).tableName(leaseTable).workerId("w" + i)
                                        .failoverTime(Duration.ofSeconds(10)).takeInterval(Duration.ofMillis(500))
                                        .build())
                                .build())
                        .receive()
                        .subscribe(record -> {
                            long key = Long.parseLong(record.keys().get("pk").s().substring("key-".length()));
                            long version = Long.parseLong(record.newImage().get("version").n());
                            synchronized (deliveries) {
                                deliveries.add(new long[] {key, version});
                            }
                            distinct.add(key + ":" + version);
                            record.checkpoint().acknowledge();
                        }, error -> {
                            log.error("a worker failed", error);
                            failed.compareAndSet(null, error);
                        }));
            }
            try {
                // ~400 writes/s, 20 every 50 ms for 10 s: a rotation or two of every partition
                Flux.range(0, total).buffer(20).delayElements(Duration.ofMillis(50))
                        .doOnNext(batch -> batch.forEach(i -> service.write("key-" + (i % keys))))
                        .blockLast();
                try {
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                            .until(() -> distinct.size() >= total || failed.get() != null);
                } catch (ConditionTimeoutException e) {
                    log.error("not every record within 60 s: {} of {}; shards {}, calls {}", distinct.size(), total,
                            service.shardCount(), service.calls());
                }
            } finally {
                subscriptions.forEach(Disposable::dispose);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            int closed = service.shardCount() - service.openShardCount();
            // a children query under way at the stop may still be retried: wait until the service saw it
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() ->
                    metered(meters) == service.calls(SimulatedStreamsService.DESCRIBE_STREAM));
            double metered = metered(meters);
            log.info("{} workers: {} deliveries of {} records in {} s; shards {} ({} closed); full listings {},"
                    + " children queries {}; DescribeStream calls {} (meters {}); calls {}", WORKERS, delivered(),
                    total, String.format("%.1f", seconds), service.shardCount(), closed, fullListings.get(),
                    childrenQueries.get(), service.calls(SimulatedStreamsService.DESCRIBE_STREAM), metered,
                    service.calls());

            assertThat(failed.get()).as("a worker's error").isNull();
            assertThat(distinct).as("records delivered").hasSize(total);
            assertThat(closed).as("closed shards (rotations happened)").isGreaterThan(32);
            Map<Long, List<Long>> firstDeliveries = firstDeliveriesByKey();
            Map<Long, List<Long>> expected = new HashMap<>();
            for (int i = 0; i < total; i++) {
                expected.computeIfAbsent((long) (i % keys), k -> new ArrayList<>()).add((long) (i / keys) + 1);
            }
            assertThat(firstDeliveries).as("every record delivered, each key's versions in order").isEqualTo(expected);
            // one describer, elected before any worker lists: it lists at its start and every interval; the others
            // learn the shards from the lease table (no listing per worker start)
            long bound = (long) Math.ceil(seconds / DISCOVERY.toSeconds()) + 1;
            assertThat(fullListings.get()).as("full listings in %.1f s (bound: one at the describer's start + one per"
                    + " %s)", seconds, DISCOVERY).isLessThanOrEqualTo(bound);
            // each shard read starts with a GetShardIterator (iterators live 7 service days here: none expires)
            assertThat(childrenQueries.get()).as("children queries (at most one per shard read to its end)")
                    .isLessThanOrEqualTo(service.calls(SimulatedStreamsService.GET_SHARD_ITERATOR));
        } finally {
            for (AutoCloseable client : clients) {
                try {
                    client.close();
                } catch (Exception e) {
                    log.debug("closing a client", e);
                }
            }
        }
    }

    private static double metered(List<SimpleMeterRegistry> meters) {
        return meters.stream().mapToDouble(registry -> registry.find(
                DynamoDbStreamsMeters.DESCRIBE_STREAM_CALLS.meterName()).counters().stream()
                .mapToDouble(counter -> counter.count()).sum()).sum();
    }

    private int delivered() {
        synchronized (deliveries) {
            return deliveries.size();
        }
    }

    /** Each key's versions in the order of their first delivery (a failover may deliver a suffix again). */
    private Map<Long, List<Long>> firstDeliveriesByKey() {
        Map<Long, LinkedHashSet<Long>> seen = new HashMap<>();
        synchronized (deliveries) {
            for (long[] delivery : deliveries) {
                seen.computeIfAbsent(delivery[0], k -> new LinkedHashSet<>()).add(delivery[1]);
            }
        }
        Map<Long, List<Long>> byKey = new HashMap<>();
        seen.forEach((key, versions) -> byKey.put(key, List.copyOf(versions)));
        return byKey;
    }
}
