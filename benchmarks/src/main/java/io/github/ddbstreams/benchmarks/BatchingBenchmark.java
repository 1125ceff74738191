package io.github.ddbstreams.benchmarks;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.batch.Batching;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.sink.RecordBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@link Batching#batches} in batches of 100 over 100,000 pre-built records of 4 interleaved shards; the score
 * is records per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BatchingBenchmark {

    private static final int RECORDS = 100_000;
    private static final int SHARDS = 4;

    /** Whether batches may mix shards (one open batch) or not (one per shard). */
    @Param({"false", "true"})
    public boolean mixShards;

    private ChangeRecord[] records;
    private Function<Flux<ChangeRecord>, Flux<RecordBatch>> operator;

    @Setup
    public void setUp() {
        records = new ChangeRecord[RECORDS];
        for (int i = 0; i < RECORDS; i++) {
            records[i] = ChangeRecord.builder()
                    .eventId("e" + i)
                    .eventName(EventName.MODIFY)
                    .keys(Map.of("pk", AttributeValue.fromS("order-" + (i % 1000))))
                    .sequenceNumber(Long.toString(100_000_000_000L + i))
                    .sizeBytes(180)
                    .shardId("shardId-" + (i % SHARDS))
                    .build();
        }
        operator = Batching.batches(BatchOptions.builder()
                .maxRecords(100)
                .maxWait(Duration.ofSeconds(1))
                .mixShards(mixShards)
                .build());
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long batches() {
        return Flux.fromArray(records).transform(operator).count().block();
    }
}
