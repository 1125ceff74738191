package io.github.ddbstreams.backfill;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;

/** A {@link BackfillPositionStore} in memory; one map entry per backfill and segment. */
final class InMemoryBackfillPositionStore implements BackfillPositionStore {

    private final Map<String, Map<Integer, BackfillPosition>> backfills = new ConcurrentHashMap<>();

    @Override
    public Mono<List<BackfillPosition>> load(String backfillId) {
        Objects.requireNonNull(backfillId, "backfillId");
        return Mono.fromSupplier(() -> List.copyOf(backfills.getOrDefault(backfillId, Map.of()).values()));
    }

    @Override
    public Mono<Void> save(String backfillId, Collection<BackfillPosition> positions) {
        Objects.requireNonNull(backfillId, "backfillId");
        Objects.requireNonNull(positions, "positions");
        return Mono.fromRunnable(() -> {
            Map<Integer, BackfillPosition> segments = backfills.computeIfAbsent(backfillId, k -> new ConcurrentHashMap<>());
            for (BackfillPosition position : positions) {
                segments.put(position.segment(), position);
            }
        });
    }

    @Override
    public String toString() {
        return "InMemoryBackfillPositionStore{backfills=" + backfills.keySet() + "}";
    }
}
