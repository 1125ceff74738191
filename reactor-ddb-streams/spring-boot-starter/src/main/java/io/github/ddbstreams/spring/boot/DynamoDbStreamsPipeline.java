package io.github.ddbstreams.spring.boot;

import io.github.ddbstreams.record.ChangeRecord;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * The application's processing of the stream: declare one as a bean, and the starter subscribes it to the
 * auto-configured receiver when the application context starts, and disposes it (committing what was
 * acknowledged and releasing leases) when the context stops.
 *
 * <p>The pipeline acknowledges each record once processed ({@code record.checkpoint().acknowledge()}), as
 * with the receiver itself: only acknowledged records are committed, so a record in flight at shutdown is
 * read again after a restart. What the returned publisher emits is ignored; its error ends the pipeline and
 * turns the health indicator DOWN.
 *
 * <pre>{@code
 * @Bean
 * DynamoDbStreamsPipeline ordersPipeline(OrderIndex index) {
 *     return records -> records
 *             .concatMap(record -> index.write(record).thenReturn(record))
 *             .doOnNext(record -> record.checkpoint().acknowledge());
 * }
 * }</pre>
 */
@FunctionalInterface
public interface DynamoDbStreamsPipeline {

    /**
     * Builds the processing of the records; called once per subscription, on the thread that starts the
     * application context.
     *
     * @param records the receiver's records, all shards merged, each shard in order
     * @return a publisher that runs the processing when subscribed; never completing while the stream is read
     */
    Publisher<?> process(Flux<ChangeRecord> records);
}
