package io.github.ddbstreams.operators.batch;

import java.time.Duration;

import io.github.ddbstreams.operators.BatchingTestSupport;
import io.github.ddbstreams.record.ChangeRecord;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Flux;

/**
 * The Reactive Streams TCK against {@link Windows#tumbling}: {@code n} records of {@code n} shards in hour-long
 * windows, so exactly {@code n} windows, all closed by the completion.
 */
public class WindowsTckTest extends PublisherVerification<WindowResult<Long>> {

    private static final WindowOptions OPTIONS = WindowOptions.builder().duration(Duration.ofHours(1)).build();

    public WindowsTckTest() {
        super(new TestEnvironment(500, 100));
    }

    @Override
    public Publisher<WindowResult<Long>> createPublisher(long elements) {
        return Flux.range(1, (int) elements)
                .map(i -> BatchingTestSupport.record("shard-" + i, i))
                .transform(Windows.tumbling(OPTIONS, () -> 0L, (n, r) -> n + 1));
    }

    @Override
    public Publisher<WindowResult<Long>> createFailedPublisher() {
        return Flux.<ChangeRecord>error(new IllegalStateException("failed source"))
                .transform(Windows.tumbling(OPTIONS, () -> 0L, (n, r) -> n + 1));
    }

    @Override
    public long maxElementsFromPublisher() {
        return 1024;
    }
}
