package io.github.ddbstreams.operators.batch;

import java.time.Duration;

import io.github.ddbstreams.operators.BatchingTestSupport;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.sink.RecordBatch;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Flux;

/**
 * The Reactive Streams TCK against {@link Batching#batches}: {@code 3n} records of one shard in batches of 3,
 * so exactly {@code n} batches.
 */
public class BatchingTckTest extends PublisherVerification<RecordBatch> {

    private static final BatchOptions OPTIONS = BatchOptions.builder().maxRecords(3).maxWait(Duration.ofHours(1)).build();

    public BatchingTckTest() {
        super(new TestEnvironment(500, 100));
    }

    @Override
    public Publisher<RecordBatch> createPublisher(long elements) {
        return Flux.range(1, (int) (3 * elements))
                .map(i -> BatchingTestSupport.record("s1", i))
                .transform(Batching.batches(OPTIONS));
    }

    @Override
    public Publisher<RecordBatch> createFailedPublisher() {
        return Flux.<ChangeRecord>error(new IllegalStateException("failed source")).transform(Batching.batches(OPTIONS));
    }

    @Override
    public long maxElementsFromPublisher() {
        return 4096;
    }
}
