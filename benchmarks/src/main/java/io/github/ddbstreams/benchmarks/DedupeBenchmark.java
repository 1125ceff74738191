package io.github.ddbstreams.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.operators.dedupe.Dedupe;
import io.github.ddbstreams.operators.dedupe.DedupeOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;

/**
 * Records/s through the dedupe operators: a Flux of {@value #N} pre-built records of 4 shards with UUID
 * event ids, 10% of them repeated (a replayed record a little later in its shard), through fresh state per
 * invocation. Each op is one record.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DedupeBenchmark {

    static final int N = 100_000;

    private final DedupeOptions window = DedupeOptions.builder().maxSize(10_000).build();
    private List<ChangeRecord> records;

    @Setup
    public void setUp() {
        records = new ArrayList<>(N);
        long[] seq = new long[4];
        for (int i = 0; records.size() < N; i++) {
            int shard = i % 4;
            ChangeRecord record = ChangeRecord.builder()
                    .eventName(EventName.MODIFY)
                    .eventId(UUID.randomUUID().toString())
                    .shardId("shardId-0000000" + shard)
                    .sequenceNumber(String.format("1111%026d", ++seq[shard]))
                    .build();
            records.add(record);
            if (i % 10 == 9 && records.size() < N) {
                records.add(records.get(records.size() - 5)); // a replay of an earlier record
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long byEventId() {
        return Flux.fromIterable(records).transform(Dedupe.byEventId(window)).count().block();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long bySequenceNumber() {
        return Flux.fromIterable(records).transform(Dedupe.bySequenceNumber()).count().block();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long baselineNoOperator() {
        return Flux.fromIterable(records).filter(r -> true).count().block();
    }
}
