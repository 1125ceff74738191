package io.github.ddbstreams.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.SimulatedStreamsService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The KCL 3 + DynamoDB Streams Kinesis adapter (the benchmarks' {@link KclContender}) reading a stream of the
 * testkit's {@link SimulatedStreamsService}, its lease table in DynamoDB Local: every record of a 4-shard stream
 * is delivered, including the records written after every shard rotated (parents read to their end, then
 * their children).
 */
class KclOnSimulatedStreamsIntegrationTest {

    private static final int SHARDS = 4;
    private static final int BEFORE_ROTATION = 200;
    private static final int AFTER_ROTATION = 200;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void kclAdapter_whenSimulatedStreamWith4ShardsRotates_deliversEveryRecord() {
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
                SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(SHARDS)
                        .rotationPeriod(Duration.ZERO).start();
                LocalClients clients = new LocalClients(dynamoDb.endpoint(), service.endpoint(), 10)) {
            for (int i = 0; i < BEFORE_ROTATION; i++) {
                service.write("k" + i);
            }
            Set<String> seen = ConcurrentHashMap.newKeySet();
            KclContender kcl = new KclContender(clients, KclContender.Settings.forTests(100), "sim-kcl-" + UUID.randomUUID());
            try {
                kcl.start(service.streamArn(), seen::add);
                await().atMost(Duration.ofSeconds(100)).until(() -> seen.size() >= BEFORE_ROTATION);

                service.rotateNow(false);
                for (int i = BEFORE_ROTATION; i < BEFORE_ROTATION + AFTER_ROTATION; i++) {
                    service.write("k" + i);
                }
                Set<String> all = IntStream.range(0, BEFORE_ROTATION + AFTER_ROTATION).mapToObj(i -> "k" + i)
                        .collect(Collectors.toSet());
                await().atMost(Duration.ofSeconds(30)).until(() -> seen.containsAll(all));
            } finally {
                kcl.close();
            }
            assertThat(seen).hasSize(BEFORE_ROTATION + AFTER_ROTATION);
            // the KCL listed the stream and took one iterator per shard at least: parents and children
            assertThat(service.calls(SimulatedStreamsService.GET_SHARD_ITERATOR)).isGreaterThanOrEqualTo(2 * SHARDS);
        }
    }
}
