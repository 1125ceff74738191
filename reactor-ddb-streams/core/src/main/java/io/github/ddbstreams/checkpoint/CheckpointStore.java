package io.github.ddbstreams.checkpoint;

import java.util.Collection;
import java.util.Map;

import reactor.core.publisher.Mono;

/**
 * Where a receiver keeps its shards' checkpoints, so that a new receiver resumes after the last
 * committed record.
 *
 * <p>One store instance (or DynamoDB table) belongs to one application: two pipelines reading the same
 * stream independently need two stores. Implementations must be thread-safe and non-blocking.
 *
 * <pre>{@code
 * CheckpointStore store = DynamoDbCheckpointStore.create(
 *     DynamoDbCheckpointStoreOptions.builder().client(dynamoDb).tableName("orders-indexer-checkpoints").build());
 * }</pre>
 */
public interface CheckpointStore {

    /**
     * Loads every checkpoint stored for a stream.
     *
     * @return the checkpoints by shard id; empty when the stream was never read
     */
    Mono<Map<String, ShardCheckpoint>> load(String streamArn);

    /**
     * Stores checkpoints of a stream, each replacing the one of its shard unless that one is later: a stored
     * checkpoint never moves back, even when several receivers share the store (a rolling deploy). One receiver
     * never calls this concurrently for the same stream and only ever moves a shard forward.
     *
     * @return a Mono that completes once every checkpoint is durably stored (or found behind the stored one)
     */
    Mono<Void> save(String streamArn, Collection<ShardCheckpoint> checkpoints);

    /** A new, empty store kept in memory: for tests and for pipelines that need not resume. */
    static CheckpointStore inMemory() {
        return new InMemoryCheckpointStore();
    }
}
