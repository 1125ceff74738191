package io.github.ddbstreams.receiver;

import java.util.Objects;

import io.github.ddbstreams.receiver.internal.DefaultDynamoDbStreamsReceiver;
import io.github.ddbstreams.record.ChangeRecord;
import reactor.core.publisher.Flux;
import reactor.core.publisher.GroupedFlux;

/**
 * Reads a DynamoDB stream as a {@link Flux} of {@link ChangeRecord}s.
 *
 * <p>Each subscription is a new, independent reading of the stream that resumes after the checkpoints in
 * the {@link ReceiverOptions#checkpointStore() checkpoint store}. Guarantees:
 * <ul>
 *   <li><b>Order</b>: each shard's records in sequence order; a child shard starts only once every record
 *       of its parent was delivered <em>and acknowledged</em>, so each item's changes reach a sink in the order
 *       they were made, even through per-shard batching and concurrent writes. Acknowledge every record,
 *       also the ones a pipeline drops, or the shard's children never start.</li>
 *   <li><b>Demand</b>: GetRecords is called only while downstream demand is outstanding, at most one call
 *       in flight and at most one page ({@link ReceiverOptions#maxRecordsPerRequest()}) buffered per shard;
 *       a shard with {@link ReceiverOptions#maxUnacknowledgedPerShard()} records read and not acknowledged
 *       stops fetching until acknowledgements catch up. A slow consumer slows the reading down; memory stays
 *       bounded, also when nothing is acknowledged.</li>
 *   <li><b>At least once</b>: acknowledge each record once processed
 *       ({@code record.checkpoint().acknowledge()}); a shard's checkpoint is the highest sequence number
 *       below which everything was acknowledged. It is committed every
 *       {@link ReceiverOptions#commitInterval()}, on {@code commit()} and when the Flux is cancelled.</li>
 *   <li><b>Faults</b>: expired iterators are renewed after the last record read; throttling and server
 *       errors are retried with backoff and jitter; trimmed data follows the
 *       {@link ReceiverOptions#trimmedDataPolicy() policy}; a missing table or stream, or a stream that was
 *       disabled, ends the Flux with a {@link StreamUnavailableException}; so does a receiver that never
 *       reached the service within {@link ReceiverOptions#startupTimeout()}.</li>
 * </ul>
 *
 * <pre>{@code
 * DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
 *     .streamsClient(streams).dynamoDbClient(dynamoDb).tableName("Orders").build());
 * receiver.receive()
 *     .concatMap(record -> index(record).thenReturn(record))
 *     .subscribe(record -> record.checkpoint().acknowledge());
 * }</pre>
 */
public interface DynamoDbStreamsReceiver {

    /** Creates a receiver; nothing is read before {@link #receive()} is subscribed. */
    static DynamoDbStreamsReceiver create(ReceiverOptions options) {
        return new DefaultDynamoDbStreamsReceiver(Objects.requireNonNull(options, "options"));
    }

    /**
     * All shards of the stream merged into one Flux, each shard's order kept, children after parents. The
     * Flux does not complete while the stream is enabled; it errors when the stream becomes unavailable.
     */
    Flux<ChangeRecord> receive();

    /**
     * One inner Flux per shard, keyed by shard id, emitted when the shard may be read (every record of its
     * parent acknowledged). Each inner Flux has its own demand and completes at the end of its shard. Every
     * inner Flux must be subscribed, or the shard and its children are never read. As with Reactor's
     * {@code groupBy}, an inner Flux that is cancelled before its shard's end (say by {@code take(100)}) is
     * followed by a fresh one for the same shard with its next records, so the shard and its children keep
     * moving; records are never handed to a cancelled inner Flux.
     *
     * <pre>{@code
     * receiver.receivePerShard()
     *     .flatMap(shard -> shard.concatMap(this::process), Integer.MAX_VALUE)
     *     .subscribe();
     * }</pre>
     */
    Flux<GroupedFlux<String, ChangeRecord>> receivePerShard();

    /** The options of this receiver. */
    ReceiverOptions options();
}
