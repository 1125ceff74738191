package io.github.ddbstreams.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardFilterType;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

/** The real netty SDK client against {@link SimulatedStreamsService} over HTTP. */
class SimulatedStreamsServiceTest {

    private static DynamoDbStreamsAsyncClient noRetries(SimulatedStreamsService service) {
        return DynamoDbStreamsAsyncClient.builder()
                .endpointOverride(service.endpoint())
                .region(EmbeddedDynamoDb.REGION)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("d", "d")))
                .httpClientBuilder(TestHttpClients.nettyClientBuilder())
                .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry()))
                .build();
    }

    private static Throwable cause(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static List<Shard> describeAll(DynamoDbStreamsAsyncClient client, String arn) {
        List<Shard> shards = new ArrayList<>();
        String start = null;
        do {
            String from = start;
            DescribeStreamResponse page = client.describeStream(b -> b.streamArn(arn).exclusiveStartShardId(from)).join();
            assertThat(page.streamDescription().shards()).hasSizeLessThanOrEqualTo(100);
            shards.addAll(page.streamDescription().shards());
            start = page.streamDescription().lastEvaluatedShardId();
        } while (start != null);
        return shards;
    }

    private static List<Record> readToEnd(DynamoDbStreamsAsyncClient client, String arn, String shardId) {
        String iterator = client.getShardIterator(b -> b.streamArn(arn).shardId(shardId)
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator();
        List<Record> records = new ArrayList<>();
        while (iterator != null) {
            String it = iterator;
            GetRecordsResponse page = client.getRecords(b -> b.shardIterator(it)).join();
            records.addAll(page.records());
            iterator = page.nextShardIterator();
        }
        return records;
    }

    @Test
    void describeStream_pagesThroughMoreThanAThousandShards_withParentsAndEndingSequenceNumbers() {
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(1000)
                .describeStreamLimitPerSecond(0).start();
             DynamoDbStreamsAsyncClient client = service.newStreamsAsyncClient()) {
            service.rotateNow(false);
            List<Shard> shards = describeAll(client, service.streamArn());
            assertThat(shards).hasSize(2000);
            assertThat(shards.stream().map(Shard::shardId).distinct()).hasSize(2000);
            assertThat(shards.subList(0, 1000)).allSatisfy(s -> {
                assertThat(s.parentShardId()).isNull();
                assertThat(s.sequenceNumberRange().endingSequenceNumber()).isNotNull();
            });
            assertThat(shards.subList(1000, 2000)).allSatisfy(s -> {
                assertThat(s.parentShardId()).isNotNull();
                assertThat(s.sequenceNumberRange().endingSequenceNumber()).isNull();
            });
            assertThat(service.calls(SimulatedStreamsService.DESCRIBE_STREAM)).isEqualTo(20);
        }
    }

    @Test
    void getRecords_readsEachKeyInOrderAcrossARotationAndEndsTheClosedShard() {
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(2).start();
             DynamoDbStreamsAsyncClient client = service.newStreamsAsyncClient()) {
            for (int i = 0; i < 1500; i++) {
                service.write("k" + (i % 7));
            }
            service.rotateNow(false);
            for (int i = 0; i < 70; i++) {
                service.write("k" + (i % 7));
            }
            Map<String, Long> lastVersion = new HashMap<>();
            int read = 0;
            List<Shard> shards = describeAll(client, service.streamArn()); // parents listed before children
            for (Shard shard : shards) {
                if (shard.sequenceNumberRange().endingSequenceNumber() == null) {
                    continue; // open shard: read below with a bounded loop
                }
                for (Record r : readToEnd(client, service.streamArn(), shard.shardId())) {
                    String key = r.dynamodb().keys().get("pk").s();
                    long version = Long.parseLong(r.dynamodb().newImage().get("version").n());
                    assertThat(version).isEqualTo(lastVersion.getOrDefault(key, 0L) + 1);
                    lastVersion.put(key, version);
                    read++;
                }
            }
            assertThat(read).isEqualTo(1500);
            assertThat(service.calls(SimulatedStreamsService.GET_RECORDS)).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void getRecords_capsAPageAtOneMegabyteAndAtLimit() {
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(1)
                .itemSizeBytes(100_000).start();
             DynamoDbStreamsAsyncClient client = service.newStreamsAsyncClient()) {
            for (int i = 0; i < 25; i++) {
                service.write("big");
            }
            String shardId = describeAll(client, service.streamArn()).get(0).shardId();
            String iterator = client.getShardIterator(b -> b.streamArn(service.streamArn()).shardId(shardId)
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator();
            GetRecordsResponse page = client.getRecords(b -> b.shardIterator(iterator)).join();
            assertThat(page.records()).hasSize(10); // 10 × ~100 KB fit in 1 MB, 11 do not
            GetRecordsResponse limited = client.getRecords(b -> b.shardIterator(page.nextShardIterator()).limit(3)).join();
            assertThat(limited.records()).hasSize(3);
            assertThat(limited.records().get(0).dynamodb().newImage().get("version").n()).isEqualTo("11");
        }
    }

    @Test
    void getShardIterator_everyType_startsWhereItSays() {
        // four iterator chains on one shard: more readers than the service allows, so no reader limit here
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(1).maxReadersPerShard(0)
                .start();
             DynamoDbStreamsAsyncClient client = service.newStreamsAsyncClient()) {
            List<String> seqs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                seqs.add(service.write("a"));
            }
            String arn = service.streamArn();
            String shardId = describeAll(client, arn).get(0).shardId();
            Map<ShardIteratorType, String> firstVersion = new HashMap<>();
            for (ShardIteratorType type : List.of(ShardIteratorType.TRIM_HORIZON, ShardIteratorType.LATEST,
                    ShardIteratorType.AT_SEQUENCE_NUMBER, ShardIteratorType.AFTER_SEQUENCE_NUMBER)) {
                String it = client.getShardIterator(b -> b.streamArn(arn).shardId(shardId).shardIteratorType(type)
                        .sequenceNumber(type.toString().contains("SEQUENCE") ? seqs.get(2) : null)).join().shardIterator();
                List<Record> records = client.getRecords(b -> b.shardIterator(it)).join().records();
                firstVersion.put(type, records.isEmpty() ? "none" : records.get(0).dynamodb().newImage().get("version").n());
            }
            assertThat(firstVersion).containsEntry(ShardIteratorType.TRIM_HORIZON, "1")
                    .containsEntry(ShardIteratorType.LATEST, "none")
                    .containsEntry(ShardIteratorType.AT_SEQUENCE_NUMBER, "3")
                    .containsEntry(ShardIteratorType.AFTER_SEQUENCE_NUMBER, "4");
        }
    }

    @Test
    void describeStream_childShardsFilter_listsOnlyTheSplitChildren() {
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(3).start();
             DynamoDbStreamsAsyncClient client = service.newStreamsAsyncClient()) {
            String arn = service.streamArn();
            String parent = describeAll(client, arn).get(1).shardId();
            service.rotateNow(true);
            List<Shard> children = client.describeStream(b -> b.streamArn(arn)
                    .shardFilter(f -> f.type(ShardFilterType.CHILD_SHARDS).shardId(parent))).join()
                    .streamDescription().shards();
            assertThat(children).hasSize(2).allSatisfy(s -> assertThat(s.parentShardId()).isEqualTo(parent));
            assertThat(service.openShardCount()).isEqualTo(6);
        }
    }

    @Test
    void errors_badIteratorUnknownStreamExpiredIterator_haveTheServiceCodes() {
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(1)
                .iteratorLifetime(Duration.ofMillis(200)).start();
             DynamoDbStreamsAsyncClient client = noRetries(service)) {
            assertThatThrownBy(() -> client.getRecords(b -> b.shardIterator("garbage")).join())
                    .extracting(SimulatedStreamsServiceTest::cause)
                    .isInstanceOf(DynamoDbException.class)
                    .satisfies(e -> assertThat(((DynamoDbException) e).awsErrorDetails().errorCode())
                            .isEqualTo("ValidationException"));
            assertThatThrownBy(() -> client.describeStream(b -> b.streamArn(service.streamArn() + "x")).join())
                    .extracting(SimulatedStreamsServiceTest::cause).isInstanceOf(ResourceNotFoundException.class);
            String shardId = describeAll(client, service.streamArn()).get(0).shardId();
            String it = client.getShardIterator(b -> b.streamArn(service.streamArn()).shardId(shardId)
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator();
            // the iterator lives 200 ms of the service's clock
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> assertThatThrownBy(() -> client.getRecords(b -> b.shardIterator(it)).join())
                            .extracting(SimulatedStreamsServiceTest::cause).isInstanceOf(ExpiredIteratorException.class));
        }
    }

    @Test
    void limits_describeStreamRateAndAThirdReader_answerLimitExceeded() {
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(1).start();
             DynamoDbStreamsAsyncClient client = noRetries(service)) {
            String arn = service.streamArn();
            String shardId = describeAll(client, arn).get(0).shardId();
            List<String> chains = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                chains.add(client.getShardIterator(b -> b.streamArn(arn).shardId(shardId)
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator());
            }
            client.getRecords(b -> b.shardIterator(chains.get(0))).join();
            String next = client.getRecords(b -> b.shardIterator(chains.get(1))).join().nextShardIterator();
            client.getRecords(b -> b.shardIterator(next)).join(); // the same chain: still two readers
            assertThatThrownBy(() -> client.getRecords(b -> b.shardIterator(chains.get(2))).join())
                    .extracting(SimulatedStreamsServiceTest::cause).isInstanceOf(LimitExceededException.class);

            assertThatThrownBy(() -> {
                for (int i = 0; i < 11; i++) {
                    client.describeStream(b -> b.streamArn(arn)).join();
                }
            }).extracting(SimulatedStreamsServiceTest::cause).isInstanceOf(LimitExceededException.class);
            assertThat(service.calls(SimulatedStreamsService.DESCRIBE_STREAM)).isBetween(11L, 12L);
        }
    }

    @Test
    void retention_trimsOldRecordsAndDropsOldClosedShards_onTheCompressedClock() {
        // 1 real second = 10 service hours; retention 1 h = 0.1 real s.
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(1)
                .timeScale(36_000).rotationPeriod(Duration.ZERO).retention(Duration.ofHours(1))
                .iteratorLifetime(Duration.ofDays(30)).start();
             DynamoDbStreamsAsyncClient client = noRetries(service)) {
            String arn = service.streamArn();
            String seq = service.write("old");
            service.rotateNow(false);
            // the closed parent leaves the stream once it is older than the retention (0.1 real s)
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> assertThat(describeAll(client, arn)).hasSize(1));
            String child = describeAll(client, arn).get(0).shardId();
            service.write("fresh");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    // while the record is being trimmed, a read may race it (TrimmedDataAccessException): ask again
                    .ignoreExceptionsInstanceOf(java.util.concurrent.CompletionException.class)
                    .untilAsserted(() -> assertThat(readFirstPage(client, arn, child)).isEmpty()); // trimmed
            assertThatThrownBy(() -> client.getShardIterator(b -> b.streamArn(arn).shardId("nope")
                    .shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER).sequenceNumber(seq)).join())
                    .extracting(SimulatedStreamsServiceTest::cause).isInstanceOf(ResourceNotFoundException.class);
        }
    }

    @Test
    void trimmedSequenceNumber_answersTrimmedDataAccess() {
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(1)
                .timeScale(36_000).rotationPeriod(Duration.ZERO).retention(Duration.ofHours(1))
                .iteratorLifetime(Duration.ofDays(30)).start();
             DynamoDbStreamsAsyncClient client = noRetries(service)) {
            String arn = service.streamArn();
            String seq = service.write("old");
            String shardId = describeAll(client, arn).get(0).shardId();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> assertThatThrownBy(() -> client.getShardIterator(b -> b.streamArn(arn)
                            .shardId(shardId).shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER)
                            .sequenceNumber(seq)).join())
                            .extracting(SimulatedStreamsServiceTest::cause).isInstanceOf(TrimmedDataAccessException.class));
        }
    }

    @Test
    void writer_writesAtTheRateAndRotatesOnTheServiceClock() {
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(8).writesPerSecond(1000)
                .keys(100).rotationPeriod(Duration.ofHours(4)).timeScale(4 * 3600 * 2).splitProbability(0.5)
                .seed(7).start()) {
            long start = System.nanoTime();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> service.recordsWritten() >= 800 && service.shardCount() > 8);
            double seconds = (System.nanoTime() - start) / 1e9;
            // never faster than the rate (a loaded machine may only make it slower)
            assertThat(service.recordsWritten() / Math.max(seconds, 0.5)).isLessThanOrEqualTo(1400);
            assertThat(service.openShardCount()).isGreaterThanOrEqualTo(8);
        }
    }

    @Test
    void latency_delaysEveryAnswer() {
        try (SimulatedStreamsService service = SimulatedStreamsService.builder().partitions(1)
                .latency(Duration.ofMillis(150), Duration.ofMillis(200)).start();
             DynamoDbStreamsAsyncClient client = service.newStreamsAsyncClient()) {
            client.listStreams(b -> { }).join(); // connect first
            long start = System.nanoTime();
            client.listStreams(b -> { }).join();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
            assertThat(service.calls(SimulatedStreamsService.LIST_STREAMS)).isEqualTo(2);
        }
    }

    private static List<Record> readFirstPage(DynamoDbStreamsAsyncClient client, String arn, String shardId) {
        String it = client.getShardIterator(b -> b.streamArn(arn).shardId(shardId)
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator();
        return client.getRecords(b -> b.shardIterator(it)).join().records();
    }
}
