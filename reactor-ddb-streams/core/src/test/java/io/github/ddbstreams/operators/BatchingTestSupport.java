package io.github.ddbstreams.operators;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.RecordCheckpoint;
import io.github.ddbstreams.sink.RecordBatch;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Records and a counting checkpoint for the batching, windowing and per-key parallelism tests. */
public final class BatchingTestSupport {

    private BatchingTestSupport() {
    }

    /** Counts acknowledgements, then passes them on. */
    public static final class CountingCheckpoint implements RecordCheckpoint {
        private final AtomicInteger acknowledgements = new AtomicInteger();
        private final RecordCheckpoint delegate;

        public CountingCheckpoint(RecordCheckpoint delegate) {
            this.delegate = delegate;
        }

        @Override
        public void acknowledge() {
            acknowledgements.incrementAndGet();
            delegate.acknowledge();
        }

        @Override
        public Mono<Void> commit() {
            acknowledgements.incrementAndGet();
            return delegate.commit();
        }

        @Override
        public boolean isAcknowledged() {
            return acknowledgements.get() > 0;
        }

        public int acknowledgements() {
            return acknowledgements.get();
        }
    }

    /** A record of {@code shard} with sequence number {@code seq}, item key {@code key} and a counting checkpoint. */
    public static ChangeRecord record(String shard, long seq, String key, long sizeBytes) {
        return ChangeRecord.builder()
                .eventId(shard + "-" + seq)
                .eventName(EventName.MODIFY)
                .keys(Map.of("pk", AttributeValue.fromS(key)))
                .sequenceNumber(Long.toString(seq))
                .sizeBytes(sizeBytes)
                .shardId(shard)
                .checkpoint(new CountingCheckpoint(RecordCheckpoint.none()))
                .build();
    }

    public static ChangeRecord record(String shard, long seq) {
        return record(shard, seq, "k" + seq, 100);
    }

    /** The same record with a counting checkpoint in front of its own. */
    public static ChangeRecord counting(ChangeRecord record) {
        return record.toBuilder().checkpoint(new CountingCheckpoint(record.checkpoint())).build();
    }

    public static int acknowledgements(ChangeRecord record) {
        return ((CountingCheckpoint) record.checkpoint()).acknowledgements();
    }

    public static List<String> ids(RecordBatch batch) {
        return ids(batch.records());
    }

    public static List<String> ids(List<ChangeRecord> records) {
        return records.stream().map(ChangeRecord::eventId).collect(Collectors.toList());
    }
}
