package io.github.ddbstreams.benchmarks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.operators.delta.ChangeDelta;
import io.github.ddbstreams.operators.delta.Delta;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
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
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The delta of one MODIFY of 10 attributes (one a nested map of 4 keys, one a list, one a string set),
 * 3 of them changed, per record: the full delta, and the {@code whenChanged} test of two paths.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DeltaBenchmark {

    private final ChangeRecord record = ChangeRecord.builder()
            .eventName(EventName.MODIFY)
            .eventId("c81e728d9d4c2f636f067f89cc14862c")
            .shardId("shardId-1")
            .sequenceNumber("111100000000000000000000012345")
            .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)
            .keys(Map.of("pk", AttributeValue.fromS("order-0042")))
            .oldImage(image("NEW", "99.50", "Paris", List.of("a", "b")))
            .newImage(image("PAID", "99.5", "Lyon", List.of("b", "a")))
            .build();

    private static Map<String, AttributeValue> image(String status, String amount, String city, List<String> tags) {
        Map<String, AttributeValue> image = new LinkedHashMap<>();
        image.put("pk", AttributeValue.fromS("order-0042"));
        image.put("status", AttributeValue.fromS(status));
        image.put("amount", AttributeValue.fromN(amount));
        image.put("customer", AttributeValue.fromS("c-17"));
        image.put("createdAt", AttributeValue.fromS("2026-11-24T10:00:00Z"));
        image.put("version", AttributeValue.fromN(status.equals("NEW") ? "1" : "2"));
        image.put("address", AttributeValue.fromM(Map.of(
                "street", AttributeValue.fromS("1 rue de la Paix"),
                "city", AttributeValue.fromS(city),
                "zip", AttributeValue.fromS("75001"),
                "country", AttributeValue.fromS("FR"))));
        image.put("tags", AttributeValue.fromSs(tags));
        image.put("lines", AttributeValue.fromL(List.of(AttributeValue.fromS("sku-1"), AttributeValue.fromS("sku-2"))));
        image.put("paid", AttributeValue.fromBool(!status.equals("NEW")));
        return image;
    }

    @Benchmark
    public ChangeDelta deltaOf() {
        return Delta.of(record);
    }

    @Benchmark
    public boolean deltaOfThenChanged() {
        return Delta.of(record).changed("address");
    }
}
