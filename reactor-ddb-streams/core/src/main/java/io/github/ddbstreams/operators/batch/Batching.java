package io.github.ddbstreams.operators.batch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.sink.RecordBatch;
import reactor.core.publisher.Flux;

/**
 * Groups change records into {@link RecordBatch}es, within one shard.
 *
 * <p>A batch closes at {@link BatchOptions#maxRecords()} records, at {@link BatchOptions#maxBytes()} bytes
 * (sum of {@link ChangeRecord#sizeBytes()}; a record that would push a batch past the limit starts the next
 * one, and a single record larger than the limit is a batch of its own) or {@link BatchOptions#maxWait()}
 * after its first record, whichever comes first.
 *
 * <p><b>Shards.</b> A batch never mixes shards unless {@link BatchOptions#mixShards()}: when the shards of a
 * merged {@code receive()} interleave, each shard has its own open batch. Each shard's batches are emitted
 * in order, and so are its records within them.
 *
 * <p><b>Memory and demand.</b> At most one open batch per shard, and records are requested from upstream
 * (in chunks of at most {@code min(maxRecords, 256)}) only while no closed batch waits for downstream
 * demand. So a slow consumer stops the reading, and the operator holds at most
 * {@code shards × maxRecords + min(maxRecords, 256)} records, where {@code shards} is the number of shards
 * read at once (one with {@code mixShards}).
 *
 * <p><b>End.</b> When upstream completes or errors, the open batches are emitted (oldest first) and then the
 * completion or error. On cancel the batches not yet emitted are dropped without acknowledgement (their records
 * are read again after a restart), and each of their records is handed to the discard hook
 * ({@link Flux#doOnDiscard}, placed after this operator). Records are never acknowledged by this operator:
 * acknowledge a batch with {@link RecordBatch#acknowledge()} once processed.
 *
 * <p>Like Reactor's {@code bufferTimeout}, the operator is {@link reactor.core.Scannable}: {@code PREFETCH},
 * {@code BUFFERED} (records held), {@code REQUESTED_FROM_DOWNSTREAM}, {@code RUN_ON} (the options' scheduler)
 * and the others.
 *
 * <pre>{@code
 * receiver.receive()
 *     .transform(Batching.batches(BatchOptions.builder().maxRecords(500).maxWait(Duration.ofMillis(200)).build()))
 *     .concatMap(batch -> sink.write(batch).doOnSuccess(result -> batch.acknowledge()))
 *     .subscribe();
 * }</pre>
 */
public final class Batching {

    private static final int MAX_PREFETCH = 256;

    private Batching() {
    }

    /**
     * An operator grouping records into batches by count, bytes and time, within one shard.
     *
     * @param options the limits; see {@link BatchOptions}
     * @return a function for {@link Flux#transform}
     */
    public static Function<Flux<ChangeRecord>, Flux<RecordBatch>> batches(BatchOptions options) {
        Objects.requireNonNull(options, "options");
        BatchAccumulation accumulation = new BatchAccumulation(options);
        int prefetch = Math.min(options.maxRecords(), MAX_PREFETCH);
        if (options.meterRegistry() == null) {
            return flux -> new AccumulatingOperator<>(flux, accumulation, options.scheduler(), prefetch);
        }
        java.util.function.IntConsumer sizes = BatchSizeMeter.register(options.meterRegistry(), options.name());
        return flux -> new AccumulatingOperator<>(flux, accumulation, options.scheduler(), prefetch)
                .doOnNext(batch -> sizes.accept(batch.size()));
    }

    /** Batches by count, bytes and time. Stateless: one instance serves every subscription. */
    static final class BatchAccumulation implements Accumulation<BatchAccumulation.OpenBatch, RecordBatch> {

        private static final String MIXED = "";

        private final int maxRecords;
        private final long maxBytes;
        private final long maxWaitMillis;
        private final boolean mixShards;

        BatchAccumulation(BatchOptions options) {
            this.maxRecords = options.maxRecords();
            this.maxBytes = options.maxBytes();
            this.maxWaitMillis = options.maxWait().toMillis();
            this.mixShards = options.mixShards();
        }

        static final class OpenBatch {
            final List<ChangeRecord> records;
            long bytes;

            OpenBatch(int capacity) {
                this.records = new ArrayList<>(capacity);
            }
        }

        @Override
        public String key(ChangeRecord record) {
            return mixShards ? MIXED : record.shardId();
        }

        @Override
        public OpenBatch open(ChangeRecord first, long nowMillis) {
            return new OpenBatch(Math.min(maxRecords, 128));
        }

        @Override
        public boolean accepts(OpenBatch open, ChangeRecord record, long nowMillis) {
            return open.bytes + record.sizeBytes() <= maxBytes;
        }

        @Override
        public void add(OpenBatch open, ChangeRecord record) {
            open.records.add(record);
            open.bytes += record.sizeBytes();
        }

        @Override
        public boolean isFull(OpenBatch open) {
            return open.records.size() >= maxRecords || open.bytes >= maxBytes;
        }

        @Override
        public long closeAfterMillis(OpenBatch open, long nowMillis) {
            return maxWaitMillis;
        }

        @Override
        public RecordBatch result(OpenBatch closed) {
            return RecordBatch.of(closed.records);
        }

        @Override
        public void emitted(RecordBatch result) {
            // the consumer acknowledges the batch once processed
        }

        @Override
        public int recordCount(RecordBatch result) {
            return result.size();
        }

        @Override
        public Collection<ChangeRecord> discardedResult(RecordBatch result) {
            return result.records();
        }

        @Override
        public Collection<ChangeRecord> discardedOpen(OpenBatch open) {
            return open.records;
        }
    }
}
