package io.github.ddbstreams.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardFilterType;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams.Call;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams.Operation;

class FakeDynamoDbStreamsTest {

    private static final String ARN = FakeDynamoDbStreams.DEFAULT_STREAM_ARN;

    private final FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();

    // ------------------------------------------------------------------ helpers

    private String iterator(String shardId, ShardIteratorType type) {
        return iterator(shardId, type, null);
    }

    private String iterator(String shardId, ShardIteratorType type, String sequenceNumber) {
        return fake.getShardIterator(b -> b.streamArn(ARN).shardId(shardId).shardIteratorType(type)
                .sequenceNumber(sequenceNumber)).join().shardIterator();
    }

    private GetRecordsResponse records(String iterator) {
        return fake.getRecords(b -> b.shardIterator(iterator)).join();
    }

    private GetRecordsResponse records(String iterator, int limit) {
        return fake.getRecords(b -> b.shardIterator(iterator).limit(limit)).join();
    }

    private static List<String> seqs(GetRecordsResponse response) {
        return response.records().stream().map(r -> r.dynamodb().sequenceNumber()).collect(Collectors.toList());
    }

    private static Throwable failure(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        try {
            future.join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("future did not fail");
    }

    private static void assertServiceError(Throwable error, Class<?> type, int status, String code) {
        assertThat(error).isInstanceOf(type);
        AwsServiceException aws = (AwsServiceException) error;
        assertThat(aws.statusCode()).isEqualTo(status);
        assertThat(aws.awsErrorDetails().errorCode()).isEqualTo(code);
        assertThat(aws.awsErrorDetails().serviceName()).isEqualTo("DynamoDBStreams");
    }

    // ------------------------------------------------------------------ stream and sequence numbers

    @Test
    void create_parsesTableAndLabelFromArn() {
        assertThat(fake.streamArn()).isEqualTo(ARN);
        assertThat(fake.tableName()).isEqualTo("Orders");
        assertThat(FakeDynamoDbStreams.create("arn:aws:dynamodb:us-east-1:1:table/T-1/stream/L").tableName())
                .isEqualTo("T-1");
        assertThatThrownBy(() -> FakeDynamoDbStreams.create("not-an-arn"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("streamArn");
        assertThat(fake.serviceName()).isEqualTo("dynamodb");
    }

    @Test
    void putRecords_assignsIncreasingSequenceNumbersBeyondLong_sharedAcrossShards() {
        fake.addShard("a").addShard("b");
        List<String> a = fake.putRecords("a", 2);
        List<String> b = fake.putRecords("b", 1);
        String c = fake.putRecord("a", OperationType.REMOVE, Map.of("pk", AttributeValue.fromS("x")), null, Map.of());

        assertThat(a).containsExactly("10000000000000000000000001", "10000000000000000000000002");
        assertThat(b).containsExactly("10000000000000000000000003");
        assertThat(c).isEqualTo("10000000000000000000000004");
        assertThatThrownBy(() -> Long.parseLong(c)).isInstanceOf(NumberFormatException.class);
    }

    @Test
    void putRecord_buildsFullSdkRecord() {
        Instant fixed = Instant.parse("2026-02-03T04:05:06Z");
        fake.clock(() -> fixed).addShard("s");
        Map<String, AttributeValue> keys = Map.of("pk", AttributeValue.fromS("o-1"));
        Map<String, AttributeValue> oldImage = Map.of("pk", AttributeValue.fromS("o-1"), "v", AttributeValue.fromN("1"));
        Map<String, AttributeValue> newImage = Map.of("pk", AttributeValue.fromS("o-1"), "v", AttributeValue.fromN("2"));
        String seq = fake.putRecord("s", OperationType.MODIFY, keys, oldImage, newImage);

        Record record = records(iterator("s", ShardIteratorType.TRIM_HORIZON)).records().get(0);
        assertThat(record.eventID()).hasSize(36);
        assertThat(record.eventName()).isEqualTo(OperationType.MODIFY);
        assertThat(record.eventVersion()).isEqualTo("1.1");
        assertThat(record.eventSource()).isEqualTo("aws:dynamodb");
        assertThat(record.awsRegion()).isEqualTo("ddblocal");
        StreamRecord dynamodb = record.dynamodb();
        assertThat(dynamodb.sequenceNumber()).isEqualTo(seq);
        assertThat(dynamodb.keys()).isEqualTo(keys);
        assertThat(dynamodb.oldImage()).isEqualTo(oldImage);
        assertThat(dynamodb.newImage()).isEqualTo(newImage);
        assertThat(dynamodb.sizeBytes()).isPositive();
        assertThat(dynamodb.streamViewType()).isEqualTo(StreamViewType.NEW_AND_OLD_IMAGES);
        assertThat(dynamodb.approximateCreationDateTime()).isEqualTo(fixed);
    }

    @Test
    void putRecord_leavesEmptyImagesUnset() {
        fake.addShard("s").putRecord("s", OperationType.INSERT, Map.of("pk", AttributeValue.fromS("k")), Map.of(),
                Map.of("pk", AttributeValue.fromS("k")));
        StreamRecord dynamodb = fake.records("s").get(0).dynamodb();
        assertThat(dynamodb.hasOldImage()).isFalse();
        assertThat(dynamodb.hasNewImage()).isTrue();
    }

    @Test
    void putRecords_usesPositionInShardForKeys() {
        fake.addShard("s").putRecords("s", 3);
        assertThat(fake.records("s")).extracting(r -> r.dynamodb().keys().get("pk").s())
                .containsExactly("k0", "k1", "k2");
        assertThat(fake.records("s").get(2).dynamodb().newImage().get("n").n()).isEqualTo("2");
    }

    @Test
    void putRecord_sdkRecord_assignsMissingSequenceNumber_andKeepsGivenOne() {
        fake.addShard("s");
        fake.putRecord("s", Record.builder().eventName(OperationType.INSERT).build());
        fake.putRecord("s", Record.builder().eventName(OperationType.INSERT)
                .dynamodb(d -> d.sequenceNumber("10000000000000000000000100")).build());
        String next = fake.putRecords("s", 1).get(0);

        assertThat(fake.records("s")).extracting(r -> r.dynamodb().sequenceNumber())
                .containsExactly("10000000000000000000000001", "10000000000000000000000100", next);
        assertThat(next).isEqualTo("10000000000000000000000101");
        assertThatThrownBy(() -> fake.putRecord("s", Record.builder()
                .dynamodb(d -> d.sequenceNumber("10000000000000000000000050")).build()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void putRecord_onClosedOrUnknownShard_isRejected() {
        fake.addShard("s").closeShard("s");
        assertThatThrownBy(() -> fake.putRecords("s", 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> fake.putRecords("nope", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> fake.addShard("s")).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ DescribeStream / ListStreams

    @Test
    void describeStream_paginates250ShardsInPagesOf100() {
        IntStream.range(0, 250).forEach(i -> fake.addShard(String.format("shardId-%03d", i)));
        List<String> seen = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String start = null;
        do {
            String exclusiveStart = start;
            DescribeStreamResponse response = fake.describeStream(b -> b.streamArn(ARN)
                    .exclusiveStartShardId(exclusiveStart)).join();
            List<Shard> shards = response.streamDescription().shards();
            pageSizes.add(shards.size());
            shards.forEach(s -> seen.add(s.shardId()));
            start = response.streamDescription().lastEvaluatedShardId();
        } while (start != null);

        assertThat(pageSizes).containsExactly(100, 100, 50);
        assertThat(seen).hasSize(250).doesNotHaveDuplicates().isSorted();
        assertThat(fake.count(Operation.DESCRIBE_STREAM)).isEqualTo(3);
    }

    @Test
    void describeStream_smallerOfPageSizeAndLimitWins() {
        IntStream.range(0, 10).forEach(i -> fake.addShard("s" + i));
        fake.describeStreamPageSize(4);
        assertThat(fake.describeStream(b -> b.streamArn(ARN)).join().streamDescription().shards()).hasSize(4);
        assertThat(fake.describeStream(b -> b.streamArn(ARN).limit(2)).join().streamDescription().shards()).hasSize(2);
        DescribeStreamResponse last = fake.describeStream(b -> b.streamArn(ARN).exclusiveStartShardId("s5")).join();
        assertThat(last.streamDescription().shards()).extracting(Shard::shardId).containsExactly("s6", "s7", "s8", "s9");
        assertThat(last.streamDescription().lastEvaluatedShardId()).isNull();
    }

    @Test
    void describeStream_describesStreamAndShardLineage() {
        fake.addShard("parent");
        fake.putRecords("parent", 2);
        fake.closeShard("parent").addShard("child", "parent").addShard("empty").closeShard("empty");

        var description = fake.describeStream(b -> b.streamArn(ARN)).join().streamDescription();
        assertThat(description.streamArn()).isEqualTo(ARN);
        assertThat(description.streamLabel()).isEqualTo("2026-01-01T00:00:00.000");
        assertThat(description.streamStatus()).isEqualTo(StreamStatus.ENABLED);
        assertThat(description.streamViewType()).isEqualTo(StreamViewType.NEW_AND_OLD_IMAGES);
        assertThat(description.tableName()).isEqualTo("Orders");
        assertThat(description.keySchema()).singleElement()
                .satisfies(k -> {
                    assertThat(k.attributeName()).isEqualTo("pk");
                    assertThat(k.keyType()).isEqualTo(KeyType.HASH);
                });
        assertThat(description.shards()).extracting(Shard::shardId).containsExactly("parent", "child", "empty");
        Shard parent = description.shards().get(0);
        Shard child = description.shards().get(1);
        Shard empty = description.shards().get(2);
        assertThat(parent.parentShardId()).isNull();
        assertThat(parent.sequenceNumberRange().startingSequenceNumber()).isEqualTo("10000000000000000000000001");
        assertThat(parent.sequenceNumberRange().endingSequenceNumber()).isEqualTo("10000000000000000000000002");
        assertThat(child.parentShardId()).isEqualTo("parent");
        assertThat(child.sequenceNumberRange().startingSequenceNumber()).isEqualTo("10000000000000000000000003");
        assertThat(child.sequenceNumberRange().endingSequenceNumber()).isNull();
        assertThat(empty.sequenceNumberRange().endingSequenceNumber())
                .isEqualTo(empty.sequenceNumberRange().startingSequenceNumber());

        var children = fake.describeStream(b -> b.streamArn(ARN)
                .shardFilter(f -> f.type(ShardFilterType.CHILD_SHARDS).shardId("parent"))).join();
        assertThat(children.streamDescription().shards()).extracting(Shard::shardId).containsExactly("child");
    }

    @Test
    void describeStream_unknownStream_failsWithResourceNotFound() {
        assertServiceError(failure(fake.describeStream(b -> b.streamArn(ARN + "x"))),
                ResourceNotFoundException.class, 400, "ResourceNotFoundException");
        assertThat(fake.calls()).singleElement().extracting(Call::failed).isEqualTo(true);
    }

    @Test
    void disableStream_closesOpenShards() {
        fake.addShard("a").addShard("b");
        fake.putRecords("a", 1);
        fake.disableStream();
        var description = fake.describeStream(b -> b.streamArn(ARN)).join().streamDescription();
        assertThat(description.streamStatus()).isEqualTo(StreamStatus.DISABLED);
        assertThat(description.shards()).allSatisfy(s -> assertThat(s.sequenceNumberRange().endingSequenceNumber())
                .isNotNull());
        GetRecordsResponse page = records(iterator("a", ShardIteratorType.TRIM_HORIZON));
        assertThat(page.records()).hasSize(1);
        assertThat(page.nextShardIterator()).isNull();
    }

    @Test
    void removeShard_hidesShardAndFailsIteratorCalls() {
        fake.addShard("a").addShard("b");
        String it = iterator("a", ShardIteratorType.TRIM_HORIZON);
        fake.removeShard("a");

        assertThat(fake.describeStream(b -> b.streamArn(ARN)).join().streamDescription().shards())
                .extracting(Shard::shardId).containsExactly("b");
        assertServiceError(failure(fake.getShardIterator(b -> b.streamArn(ARN).shardId("a")
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON))), ResourceNotFoundException.class, 400,
                "ResourceNotFoundException");
        assertThat(failure(fake.getRecords(b -> b.shardIterator(it)))).isInstanceOf(ResourceNotFoundException.class);
        // pagination after a removed shard still works
        assertThat(fake.describeStream(b -> b.streamArn(ARN).exclusiveStartShardId("a")).join()
                .streamDescription().shards()).extracting(Shard::shardId).containsExactly("b");
    }

    @Test
    void listStreams_returnsTheStream_filteredByTable() {
        assertThat(fake.listStreams().join().streams()).singleElement().satisfies(s -> {
            assertThat(s.streamArn()).isEqualTo(ARN);
            assertThat(s.tableName()).isEqualTo("Orders");
            assertThat(s.streamLabel()).isEqualTo("2026-01-01T00:00:00.000");
        });
        assertThat(fake.listStreams(b -> b.tableName("Orders")).join().streams()).hasSize(1);
        assertThat(fake.listStreams(b -> b.tableName("Other")).join().streams()).isEmpty();
        assertThat(fake.count(Operation.LIST_STREAMS)).isEqualTo(3);
    }

    // ------------------------------------------------------------------ iterators and GetRecords

    @Test
    void getShardIterator_positions() {
        fake.addShard("s");
        List<String> seqs = fake.putRecords("s", 5);

        assertThat(seqs(records(iterator("s", ShardIteratorType.TRIM_HORIZON)))).isEqualTo(seqs);
        assertThat(seqs(records(iterator("s", ShardIteratorType.AT_SEQUENCE_NUMBER, seqs.get(2)))))
                .isEqualTo(seqs.subList(2, 5));
        assertThat(seqs(records(iterator("s", ShardIteratorType.AFTER_SEQUENCE_NUMBER, seqs.get(2)))))
                .isEqualTo(seqs.subList(3, 5));
        assertThat(records(iterator("s", ShardIteratorType.AFTER_SEQUENCE_NUMBER, seqs.get(4))).records()).isEmpty();
    }

    @Test
    void getShardIterator_latest_seesOnlyLaterRecords() {
        fake.addShard("s");
        fake.putRecords("s", 3);
        String latest = iterator("s", ShardIteratorType.LATEST);
        GetRecordsResponse empty = records(latest);
        assertThat(empty.records()).isEmpty();
        assertThat(empty.nextShardIterator()).isNotNull();

        List<String> later = fake.putRecords("s", 2);
        assertThat(seqs(records(latest))).isEqualTo(later);
        assertThat(seqs(records(empty.nextShardIterator()))).isEqualTo(later);
    }

    @Test
    void getShardIterator_sequenceNumberOfAnotherShard_isValidationError() {
        fake.addShard("a").addShard("b");
        String other = fake.putRecords("b", 1).get(0);
        fake.putRecords("a", 1);
        Throwable error = failure(fake.getShardIterator(b -> b.streamArn(ARN).shardId("a")
                .shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(other)));
        assertServiceError(error, DynamoDbException.class, 400, "ValidationException");
        assertThat(error.getMessage()).contains(other);
        assertThat(failure(fake.getShardIterator(b -> b.streamArn(ARN).shardId("a")
                .shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER).sequenceNumber("abc"))))
                .isInstanceOf(DynamoDbException.class);
    }

    @Test
    void getShardIterator_unknownShardOrStream_isResourceNotFound() {
        fake.addShard("s");
        assertThat(failure(fake.getShardIterator(b -> b.streamArn(ARN).shardId("nope")
                .shardIteratorType(ShardIteratorType.LATEST)))).isInstanceOf(ResourceNotFoundException.class);
        assertThat(failure(fake.getShardIterator(b -> b.streamArn("arn:aws:dynamodb:x:1:table/X/stream/1")
                .shardId("s").shardIteratorType(ShardIteratorType.LATEST))))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void getRecords_iteratorsAreStateless_andPagesRespectLimit() {
        fake.addShard("s");
        List<String> seqs = fake.putRecords("s", 2500);
        String start = iterator("s", ShardIteratorType.TRIM_HORIZON);

        GetRecordsResponse first = records(start);
        assertThat(first.records()).hasSize(1000);
        assertThat(seqs(records(start))).isEqualTo(seqs(first)); // reusing returns the same records
        GetRecordsResponse second = records(first.nextShardIterator(), 7);
        assertThat(seqs(second)).isEqualTo(seqs.subList(1000, 1007));

        assertServiceError(failure(fake.getRecords(b -> b.shardIterator(start).limit(0))),
                DynamoDbException.class, 400, "ValidationException");
        assertThat(failure(fake.getRecords(b -> b.shardIterator(start).limit(1001))))
                .isInstanceOf(DynamoDbException.class);
    }

    @Test
    void getRecords_garbledIterator_isValidationError() {
        fake.addShard("s");
        String it = iterator("s", ShardIteratorType.TRIM_HORIZON);
        for (String garbled : List.of("garbage", it.substring(1), "!!!", "")) {
            assertServiceError(failure(fake.getRecords(b -> b.shardIterator(garbled))),
                    DynamoDbException.class, 400, "ValidationException");
        }
        FakeDynamoDbStreams other = FakeDynamoDbStreams.create().addShard("s");
        assertThat(failure(other.getRecords(b -> b.shardIterator(it)))).isInstanceOf(DynamoDbException.class);
        assertThat(fake.calls().get(1).shardId()).isNull();
    }

    @Test
    void getRecords_openShard_neverReturnsNullIterator_closedShardEndsWithNull() {
        fake.addShard("s");
        fake.putRecords("s", 3);
        GetRecordsResponse open = records(iterator("s", ShardIteratorType.TRIM_HORIZON), 3);
        assertThat(open.records()).hasSize(3);
        assertThat(open.nextShardIterator()).isNotNull();

        fake.closeShard("s");
        GetRecordsResponse firstTwo = records(iterator("s", ShardIteratorType.TRIM_HORIZON), 2);
        assertThat(firstTwo.records()).hasSize(2);
        assertThat(firstTwo.nextShardIterator()).isNotNull();
        GetRecordsResponse last = records(firstTwo.nextShardIterator());
        assertThat(last.records()).hasSize(1);
        assertThat(last.nextShardIterator()).isNull();
        // the iterator taken while the shard was open now reaches the end too
        GetRecordsResponse tail = records(open.nextShardIterator());
        assertThat(tail.records()).isEmpty();
        assertThat(tail.nextShardIterator()).isNull();
    }

    @Test
    void trim_movesTrimHorizon_andRejectsTrimmedPositions() {
        fake.addShard("s");
        List<String> seqs = fake.putRecords("s", 6);
        String fromStart = iterator("s", ShardIteratorType.TRIM_HORIZON);
        fake.trim("s", 2);

        assertThat(seqs(records(iterator("s", ShardIteratorType.TRIM_HORIZON)))).isEqualTo(seqs.subList(2, 6));
        assertServiceError(failure(fake.getRecords(b -> b.shardIterator(fromStart))),
                TrimmedDataAccessException.class, 400, "TrimmedDataAccessException");
        assertServiceError(failure(fake.getShardIterator(b -> b.streamArn(ARN).shardId("s")
                        .shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER).sequenceNumber(seqs.get(1)))),
                TrimmedDataAccessException.class, 400, "TrimmedDataAccessException");
        assertThat(failure(fake.getShardIterator(b -> b.streamArn(ARN).shardId("s")
                .shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(seqs.get(0)))))
                .isInstanceOf(TrimmedDataAccessException.class);
        assertThat(seqs(records(iterator("s", ShardIteratorType.AT_SEQUENCE_NUMBER, seqs.get(2)))))
                .isEqualTo(seqs.subList(2, 6));

        fake.trim("s", 1); // never shrinks
        assertThat(seqs(records(iterator("s", ShardIteratorType.TRIM_HORIZON))).get(0)).isEqualTo(seqs.get(2));
    }

    @Test
    void expireIterators_expiresOnlyIteratorsIssuedBefore() {
        fake.addShard("s");
        fake.putRecords("s", 2);
        String old = iterator("s", ShardIteratorType.TRIM_HORIZON);
        String next = records(old, 1).nextShardIterator();
        fake.expireIterators();

        assertServiceError(failure(fake.getRecords(b -> b.shardIterator(old))),
                ExpiredIteratorException.class, 400, "ExpiredIteratorException");
        assertThat(failure(fake.getRecords(b -> b.shardIterator(next)))).isInstanceOf(ExpiredIteratorException.class);
        assertThat(failure(fake.getRecords(b -> b.shardIterator(old)))).isInstanceOf(ExpiredIteratorException.class);
        assertThat(records(iterator("s", ShardIteratorType.TRIM_HORIZON)).records()).hasSize(2);
    }

    // ------------------------------------------------------------------ faults

    @Test
    void failNext_appliesFaultsInFifoOrder_thenRecovers() {
        fake.addShard("s");
        fake.putRecords("s", 1);
        String it = iterator("s", ShardIteratorType.TRIM_HORIZON);
        fake.failNext(Operation.GET_RECORDS, null, 2, FakeDynamoDbStreams::throttling)
                .failNext(Operation.GET_RECORDS, null, 1, FakeDynamoDbStreams::internalError);
        assertThat(fake.pendingFaults()).isEqualTo(3);

        Throwable first = failure(fake.getRecords(b -> b.shardIterator(it)));
        Throwable second = failure(fake.getRecords(b -> b.shardIterator(it)));
        assertServiceError(first, LimitExceededException.class, 400, "LimitExceededException");
        assertThat(second).isInstanceOf(LimitExceededException.class).isNotSameAs(first);
        assertServiceError(failure(fake.getRecords(b -> b.shardIterator(it))),
                InternalServerErrorException.class, 500, "InternalServerError");
        assertThat(records(it).records()).hasSize(1);
        assertThat(fake.pendingFaults()).isZero();
    }

    @Test
    void failNext_matchesShardFromIterator_andOperation() {
        fake.addShard("a").addShard("b");
        String a = iterator("a", ShardIteratorType.TRIM_HORIZON);
        String b = iterator("b", ShardIteratorType.TRIM_HORIZON);
        fake.failNext(Operation.GET_RECORDS, "b", 1, FakeDynamoDbStreams::expiredIterator);

        assertThat(fake.getShardIterator(r -> r.streamArn(ARN).shardId("b")
                .shardIteratorType(ShardIteratorType.LATEST))).isCompletedWithValueMatching(r -> r.shardIterator() != null);
        assertThat(fake.getRecords(r -> r.shardIterator(a))).isNotCompletedExceptionally();
        assertThat(failure(fake.getRecords(r -> r.shardIterator(b)))).isInstanceOf(ExpiredIteratorException.class);
        assertThat(fake.getRecords(r -> r.shardIterator(b))).isNotCompletedExceptionally();

        fake.failNext(Operation.GET_SHARD_ITERATOR, "a", 1, IllegalStateException::new);
        assertThat(fake.getShardIterator(r -> r.streamArn(ARN).shardId("b")
                .shardIteratorType(ShardIteratorType.LATEST))).isNotCompletedExceptionally();
        assertThat(failure(fake.getShardIterator(r -> r.streamArn(ARN).shardId("a")
                .shardIteratorType(ShardIteratorType.LATEST)))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void failNext_isConsumedBeforeNormalProcessing() {
        fake.failNext(Operation.DESCRIBE_STREAM, null, 1, FakeDynamoDbStreams::throttling);
        // even a call that would fail on its own consumes the fault and fails with it
        assertThat(failure(fake.describeStream(b -> b.streamArn("unknown")))).isInstanceOf(LimitExceededException.class);
        assertThat(fake.pendingFaults()).isZero();
    }

    @Test
    void failNext_doesNotThrow_returnsFailedFuture() {
        fake.failNext(Operation.LIST_STREAMS, null, 1, () -> new RuntimeException("boom"));
        CompletableFuture<?> future = fake.listStreams();
        assertThat(failure(future)).hasMessage("boom");
    }

    // ------------------------------------------------------------------ time

    @Test
    void byDefault_futuresAreAlreadyCompleted() {
        fake.addShard("s");
        assertThat(fake.describeStream(b -> b.streamArn(ARN))).isDone();
        assertThat(fake.getShardIterator(b -> b.streamArn(ARN).shardId("s")
                .shardIteratorType(ShardIteratorType.LATEST))).isDone();
    }

    @Test
    void latency_completesOnlyAfterVirtualTimeAdvances() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        fake.addShard("s").latency(Duration.ofMillis(50), vts);
        fake.putRecords("s", 1);
        vts.advanceTimeBy(Duration.ofSeconds(10));

        CompletableFuture<String> iterator = fake.getShardIterator(b -> b.streamArn(ARN).shardId("s")
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).thenApply(r -> r.shardIterator());
        assertThat(iterator).isNotDone();
        vts.advanceTimeBy(Duration.ofMillis(49));
        assertThat(iterator).isNotDone();
        vts.advanceTimeBy(Duration.ofMillis(1));
        assertThat(iterator).isDone();

        fake.failNext(Operation.GET_RECORDS, null, 1, FakeDynamoDbStreams::throttling);
        CompletableFuture<GetRecordsResponse> failed = fake.getRecords(b -> b.shardIterator(iterator.join()));
        assertThat(failed).isNotDone();
        vts.advanceTimeBy(Duration.ofMillis(50));
        assertThat(failure(failed)).isInstanceOf(LimitExceededException.class);

        assertThat(fake.calls()).extracting(Call::at)
                .containsExactly(Instant.ofEpochSecond(10), Instant.ofEpochMilli(10_050));
        assertThat(fake.records("s").get(0).dynamodb().approximateCreationDateTime()).isEqualTo(Instant.EPOCH);
    }

    @Test
    void latency_worksWithStepVerifierVirtualTime() {
        fake.addShard("s");
        fake.putRecords("s", 3);
        StepVerifier.withVirtualTime(() -> {
                    fake.latency(Duration.ofMillis(100), VirtualTimeScheduler.get());
                    return Mono.fromFuture(() -> fake.getShardIterator(b -> b.streamArn(ARN).shardId("s")
                                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)))
                            .flatMap(r -> Mono.fromFuture(() -> fake.getRecords(b -> b.shardIterator(r.shardIterator()))))
                            .map(r -> r.records().size());
                })
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(199))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(3)
                .verifyComplete();
    }

    // ------------------------------------------------------------------ call log

    @Test
    void calls_logsEveryCallInOrder_withCounts() {
        fake.addShard("a").addShard("b");
        fake.describeStream(b -> b.streamArn(ARN));
        String a = iterator("a", ShardIteratorType.TRIM_HORIZON);
        iterator("b", ShardIteratorType.TRIM_HORIZON);
        records(a);
        records(a);
        fake.getRecords(b -> b.shardIterator("bad"));

        List<Call> calls = fake.calls();
        assertThat(calls).extracting(Call::operation).containsExactly(Operation.DESCRIBE_STREAM,
                Operation.GET_SHARD_ITERATOR, Operation.GET_SHARD_ITERATOR, Operation.GET_RECORDS,
                Operation.GET_RECORDS, Operation.GET_RECORDS);
        assertThat(calls).extracting(Call::shardId).containsExactly(null, "a", "b", "a", "a", null);
        assertThat(calls).extracting(Call::failed).containsExactly(false, false, false, false, false, true);
        assertThat(calls.get(3).request()).isInstanceOf(software.amazon.awssdk.services.dynamodb.model
                .GetRecordsRequest.class);
        assertThat(calls).allSatisfy(c -> assertThat(c.at()).isNotNull());
        assertThatThrownBy(() -> calls.add(calls.get(0))).isInstanceOf(UnsupportedOperationException.class);

        assertThat(fake.count(Operation.GET_RECORDS)).isEqualTo(3);
        assertThat(fake.count(Operation.GET_RECORDS, "a")).isEqualTo(2);
        assertThat(fake.count(Operation.GET_SHARD_ITERATOR, "b")).isEqualTo(1);
        assertThat(fake.count(Operation.LIST_STREAMS)).isZero();

        fake.clearCalls();
        assertThat(fake.calls()).isEmpty();
        assertThat(calls).hasSize(6); // snapshots are not affected
    }

    @Test
    void close_marksClosed_andLaterCallsFail() {
        assertThat(fake.isClosed()).isFalse();
        fake.close();
        assertThat(fake.isClosed()).isTrue();
        assertThat(failure(fake.listStreams())).isInstanceOf(IllegalStateException.class);
        assertThat(fake.calls()).singleElement().extracting(Call::failed).isEqualTo(true);
    }

    @Test
    void otherOperations_keepDefaultBehaviour() {
        assertThatThrownBy(fake::serviceClientConfiguration).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void isThreadSafe_underConcurrentWritersAndReaders() throws Exception {
        fake.addShard("s");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 250; i++) {
                        fake.putRecords("s", 1);
                        fake.describeStream(b -> b.streamArn(ARN)).join();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (var f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> seqs = fake.records("s").stream().map(r -> r.dynamodb().sequenceNumber()).toList();
        assertThat(seqs).hasSize(1000).doesNotHaveDuplicates();
        assertThat(seqs(records(iterator("s", ShardIteratorType.TRIM_HORIZON)))).isEqualTo(seqs);
        assertThat(fake.count(Operation.DESCRIBE_STREAM)).isEqualTo(1000);
    }
}
