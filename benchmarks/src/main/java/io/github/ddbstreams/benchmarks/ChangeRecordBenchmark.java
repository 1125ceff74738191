package io.github.ddbstreams.benchmarks;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.RecordCheckpoint;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/** SDK record → {@link ChangeRecord} and its conversions, per record. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ChangeRecordBenchmark {

    private final Record sdkRecord = Record.builder()
            .eventID("c81e728d9d4c2f636f067f89cc14862c")
            .eventName(OperationType.MODIFY)
            .eventVersion("1.1")
            .eventSource("aws:dynamodb")
            .awsRegion("us-east-1")
            .dynamodb(StreamRecord.builder()
                    .approximateCreationDateTime(Instant.parse("2026-11-24T10:00:00Z"))
                    .keys(Map.of("pk", AttributeValue.fromS("order-0042")))
                    .oldImage(Map.of("pk", AttributeValue.fromS("order-0042"), "status", AttributeValue.fromS("NEW"),
                            "amount", AttributeValue.fromN("99.50"), "customer", AttributeValue.fromS("c-17")))
                    .newImage(Map.of("pk", AttributeValue.fromS("order-0042"), "status", AttributeValue.fromS("PAID"),
                            "amount", AttributeValue.fromN("99.50"), "customer", AttributeValue.fromS("c-17")))
                    .sequenceNumber("111100000000000000000000012345")
                    .sizeBytes(180L)
                    .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)
                    .build())
            .build();

    private final ChangeRecord record = ChangeRecord.from(sdkRecord, "shardId-1", "arn:aws:dynamodb:us-east-1:1:table/O/stream/x",
            RecordCheckpoint.none());

    @Benchmark
    public ChangeRecord fromSdkRecord() {
        return ChangeRecord.from(sdkRecord, "shardId-1", "arn:aws:dynamodb:us-east-1:1:table/O/stream/x",
                RecordCheckpoint.none());
    }

    @Benchmark
    public Map<String, Object> newImageAsMap() {
        return record.newImageAsMap();
    }

    @Benchmark
    public String toLambdaEventJson() {
        return record.toLambdaEventJson();
    }
}
