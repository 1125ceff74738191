package io.github.ddbstreams.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.batch.Batching;
import io.github.ddbstreams.operators.dedupe.Dedupe;
import io.github.ddbstreams.operators.dedupe.DedupeOptions;
import io.github.ddbstreams.operators.delta.Delta;
import io.github.ddbstreams.operators.filter.Filters;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.RecordCheckpoint;
import io.github.ddbstreams.sink.RecordBatch;
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
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The whole operator chain over {@value #N} pre-built MODIFY records of ~200 bytes (4 shards, 5% replays):
 * {@code Delta.whenChanged("status")} (80% changed it) → {@code Dedupe.byEventId} → {@code Filters.matching}
 * (a Lambda pattern on the new image, ~75% match) → {@code Batching.batches} of 100 per shard, every dropped
 * record acknowledged (a counting checkpoint). The score is input records per second; with {@code -prof gc},
 * {@code gc.alloc.rate.norm} is bytes per record. {@code deltaOnly} … {@code batchingOnly} are each stage
 * alone over the same records, for comparison.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class OperatorChainBenchmark {

    static final int N = 100_000;
    private static final int SHARDS = 4;
    private static final String PATTERN = "{\"dynamodb\": {\"NewImage\": {\"amount\": {\"N\": [{\"numeric\": [\">\", 0, \"<=\", 750]}]}}}}";

    private final LongAdder acknowledged = new LongAdder();
    private List<ChangeRecord> records;
    private Function<Flux<ChangeRecord>, Flux<ChangeRecord>> delta;
    private Function<Flux<ChangeRecord>, Flux<ChangeRecord>> filter;
    private Function<Flux<ChangeRecord>, Flux<RecordBatch>> batching;
    private DedupeOptions dedupeOptions;

    @Setup
    public void setUp() {
        RecordCheckpoint counting = new RecordCheckpoint() {
            @Override
            public void acknowledge() {
                acknowledged.increment();
            }

            @Override
            public Mono<Void> commit() {
                return Mono.empty();
            }

            @Override
            public boolean isAcknowledged() {
                return false; // shared by every record: only counts
            }
        };
        records = new ArrayList<>(N);
        long[] seq = new long[SHARDS];
        for (int i = 0; records.size() < N; i++) {
            int shard = i % SHARDS;
            String pk = "order-" + (i % 5000);
            String oldStatus = "NEW";
            String newStatus = i % 5 == 4 ? "NEW" : "PAID";
            String amount = (i % 1000) + ".50";
            records.add(ChangeRecord.builder()
                    .eventId(UUID.randomUUID().toString())
                    .eventName(EventName.MODIFY)
                    .awsRegion("us-east-1")
                    .keys(Map.of("pk", AttributeValue.fromS(pk)))
                    .oldImage(image(pk, oldStatus, amount, i - 1))
                    .newImage(image(pk, newStatus, amount, i))
                    .sequenceNumber(String.format("1111%026d", ++seq[shard]))
                    .sizeBytes(200)
                    .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)
                    .shardId("shardId-0000000" + shard)
                    .streamArn("arn:aws:dynamodb:us-east-1:000000000000:table/Orders/stream/x")
                    .checkpoint(counting)
                    .build());
            if (i % 20 == 19 && records.size() < N) {
                records.add(records.get(records.size() - 3)); // a replay
            }
        }
        delta = Delta.whenChanged("status");
        dedupeOptions = DedupeOptions.builder().maxSize(10_000).build();
        filter = Filters.matching(PATTERN);
        batching = Batching.batches(BatchOptions.builder().maxRecords(100).maxWait(Duration.ofSeconds(1)).build());
    }

    private static Map<String, AttributeValue> image(String pk, String status, String amount, int version) {
        return Map.of(
                "pk", AttributeValue.fromS(pk),
                "status", AttributeValue.fromS(status),
                "amount", AttributeValue.fromN(amount),
                "customer", AttributeValue.fromS("customer-" + (version % 50)),
                "version", AttributeValue.fromN(Integer.toString(version)),
                "note", AttributeValue.fromS("deliver to the back door, ring twice"));
    }

    /** delta → dedupe → filter → batching, acknowledging each batch's records as a sink would. */
    @Benchmark
    @OperationsPerInvocation(N)
    public long chain() {
        return Flux.fromIterable(records)
                .transform(delta)
                .transform(Dedupe.byEventId(dedupeOptions))
                .transform(filter)
                .transform(batching)
                .doOnNext(batch -> batch.records().forEach(r -> r.checkpoint().acknowledge()))
                .count()
                .block();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long deltaOnly() {
        return Flux.fromIterable(records).transform(delta).count().block();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long dedupeOnly() {
        return Flux.fromIterable(records).transform(Dedupe.byEventId(dedupeOptions)).count().block();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long filterOnly() {
        return Flux.fromIterable(records).transform(filter).count().block();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long batchingOnly() {
        return Flux.fromIterable(records).transform(batching).count().block();
    }
}
