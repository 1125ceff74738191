package io.github.ddbstreams.operators.parallel;

import io.github.ddbstreams.operators.BatchingTestSupport;
import io.github.ddbstreams.record.ChangeRecord;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The Reactive Streams TCK against {@link KeyedParallelism#process}: {@code n} records over 7 keys, each work
 * completing on another thread.
 */
public class KeyedParallelismTckTest extends PublisherVerification<ChangeRecord> {

    public KeyedParallelismTckTest() {
        super(new TestEnvironment(500, 100));
    }

    @Override
    public Publisher<ChangeRecord> createPublisher(long elements) {
        return Flux.range(1, (int) elements)
                .map(i -> BatchingTestSupport.record("s1", i, "k" + (i % 7), 10))
                .transform(KeyedParallelism.process(4, 8, r -> Mono.empty().publishOn(Schedulers.parallel())));
    }

    @Override
    public Publisher<ChangeRecord> createFailedPublisher() {
        return Flux.<ChangeRecord>error(new IllegalStateException("failed source"))
                .transform(KeyedParallelism.process(4, r -> Mono.empty()));
    }

    @Override
    public long maxElementsFromPublisher() {
        return 4096;
    }
}
