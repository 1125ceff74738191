package io.github.ddbstreams.backfill;

import java.util.Collection;
import java.util.List;

import reactor.core.publisher.Mono;

/**
 * Where a {@link TableBackfill} keeps the position of each scan segment, so a new backfill with the same
 * {@link BackfillOptions#backfillId() id} resumes where the last one stopped.
 *
 * <p>Implementations must be thread-safe and non-blocking. The backfill saves each segment's positions one
 * at a time and only forwards.
 *
 * <pre>{@code
 * BackfillPositionStore store = DynamoDbBackfillPositionStore.create(DynamoDbBackfillPositionStoreOptions.builder()
 *     .client(dynamoDb).tableName("orders-backfill-positions").build());
 * }</pre>
 */
public interface BackfillPositionStore {

    /**
     * Loads every position saved for a backfill.
     *
     * @return the positions, at most one per segment; empty when the backfill never started
     */
    Mono<List<BackfillPosition>> load(String backfillId);

    /**
     * Saves positions of a backfill, each replacing the one of its segment.
     *
     * @return a Mono that completes once every position is durably stored
     */
    Mono<Void> save(String backfillId, Collection<BackfillPosition> positions);

    /** A new, empty store in memory: positions are lost with the JVM. */
    static BackfillPositionStore inMemory() {
        return new InMemoryBackfillPositionStore();
    }
}
