package io.github.ddbstreams.benchmarks;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.ddbstreams.operators.filter.FilterCriteria;
import io.github.ddbstreams.operators.filter.FilterPattern;
import io.github.ddbstreams.operators.filter.FilterPattern.NumericMatching;
import io.github.ddbstreams.operators.filter.Filters;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.RecordCheckpoint;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Lambda-syntax filtering per record: a pattern with {@code eventName}, a {@code prefix} on the key and a
 * {@code numeric} range on a DynamoDB number, over records of ~200 bytes (sizeBytes 200; a 607-character Lambda event JSON), 375 of 1,000 matching.
 * {@code matchRecord} walks the record directly; {@code matchViaLambdaJson} is the naive way (render the Lambda
 * event JSON, parse it, match the tree) for comparison; {@code filterOperator} runs 1,000 records through
 * {@code Filters.matching} per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FilterBenchmark {

    private static final int RECORDS = 1000;

    private static final String PATTERN = "{\"eventName\": [\"INSERT\", \"MODIFY\"],"
            + " \"dynamodb\": {\"Keys\": {\"pk\": {\"S\": [{\"prefix\": \"order-\"}]}},"
            + " \"NewImage\": {\"amount\": {\"N\": [{\"numeric\": [\">\", 0, \"<=\", 500]}]}}}}";

    private final ObjectMapper mapper = new ObjectMapper();
    private final FilterPattern pattern = FilterPattern.parse(PATTERN, NumericMatching.DYNAMODB_NUMBER_STRINGS);
    private final ChangeRecord[] records = new ChangeRecord[RECORDS];
    private final Flux<ChangeRecord> batch;
    private int next;

    public FilterBenchmark() {
        for (int i = 0; i < RECORDS; i++) {
            String pk = (i % 4 == 3 ? "refund-" : "order-") + String.format("%04d", i);
            String amount = i % 4 == 2 ? "750.00" : (i % 100) + ".50";
            Map<String, AttributeValue> image = Map.of(
                    "pk", AttributeValue.fromS(pk),
                    "status", AttributeValue.fromS("PAID"),
                    "amount", AttributeValue.fromN(amount),
                    "customer", AttributeValue.fromS("customer-" + (i % 50)),
                    "email", AttributeValue.fromS("someone" + (i % 50) + "@example.com"),
                    "items", AttributeValue.fromN("3"),
                    "note", AttributeValue.fromS("deliver to the back door, ring twice"));
            records[i] = ChangeRecord.builder()
                    .eventId("c81e728d9d4c2f636f067f89cc1486" + (i % 100))
                    .eventName(i % 8 == 5 ? EventName.REMOVE : EventName.MODIFY)
                    .awsRegion("us-east-1")
                    .approximateCreationTime(Instant.parse("2026-11-24T10:00:00Z"))
                    .keys(Map.of("pk", AttributeValue.fromS(pk)))
                    .newImage(image)
                    .sequenceNumber("1111000000000000000000" + (10000 + i))
                    .sizeBytes(200)
                    .streamViewType(StreamViewType.NEW_IMAGE)
                    .shardId("shardId-1")
                    .streamArn("arn:aws:dynamodb:us-east-1:1:table/Orders/stream/x")
                    .checkpoint(RecordCheckpoint.none())
                    .build();
        }
        batch = Flux.fromArray(records).transform(Filters.matching(FilterCriteria.of(pattern)));
    }

    private ChangeRecord nextRecord() {
        ChangeRecord r = records[next];
        next = next + 1 == RECORDS ? 0 : next + 1;
        return r;
    }

    @Benchmark
    public boolean matchRecord() {
        return pattern.matches(nextRecord());
    }

    @Benchmark
    public boolean matchViaLambdaJson() throws JsonProcessingException {
        return pattern.matches(mapper.readTree(nextRecord().toLambdaEventJson()));
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public Long filterOperator() {
        return batch.count().block();
    }
}
