package io.github.ddbstreams.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class InMemoryCheckpointStoreTest {

    private static final String STREAM_A = "arn:aws:dynamodb:ddblocal:000000000000:table/a/stream/2024-01-01T00:00:00.000";
    private static final String STREAM_B = "arn:aws:dynamodb:ddblocal:000000000000:table/b/stream/2024-01-01T00:00:00.000";

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();

    @Test
    void load_whenNothingSaved_returnsEmptyMap() {
        StepVerifier.create(store.load(STREAM_A)).expectNext(Map.of()).verifyComplete();
    }

    @Test
    void save_thenLoad_returnsCheckpointsByShard() {
        ShardCheckpoint open = ShardCheckpoint.at("shard-1", "000000000000000000042");
        ShardCheckpoint ended = ShardCheckpoint.ended("shard-0", null);

        StepVerifier.create(store.save(STREAM_A, List.of(open, ended))).verifyComplete();

        StepVerifier.create(store.load(STREAM_A))
                .expectNext(Map.of("shard-1", open, "shard-0", ended))
                .verifyComplete();
    }

    @Test
    void save_replacesTheCheckpointOfTheSameShard() {
        store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "10"))).block();
        ShardCheckpoint later = ShardCheckpoint.ended("shard-1", "1234567890123456789012345678901234567890");

        store.save(STREAM_A, List.of(later)).block();

        assertThat(store.snapshot(STREAM_A)).containsExactly(Map.entry("shard-1", later));
    }

    @Test
    void streams_areIsolated() {
        store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "1"))).block();

        assertThat(store.snapshot(STREAM_B)).isEmpty();
        StepVerifier.create(store.load(STREAM_B)).expectNext(Map.of()).verifyComplete();
    }

    @Test
    void save_isLazy_untilSubscribed() {
        Mono<Void> save = store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "1")));

        assertThat(store.snapshot(STREAM_A)).isEmpty();
        save.block();
        assertThat(store.snapshot(STREAM_A)).hasSize(1);
    }

    @Test
    void load_returnsACopy_unaffectedByLaterSaves() {
        store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "1"))).block();
        Map<String, ShardCheckpoint> loaded = store.load(STREAM_A).block();

        store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-2", "2"))).block();

        assertThat(loaded).containsOnlyKeys("shard-1");
        assertThatThrownBy(() -> loaded.put("x", ShardCheckpoint.at("x", "1")))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void nullArguments_areRejected_namingTheArgument() {
        assertThatThrownBy(() -> store.load(null)).isInstanceOf(NullPointerException.class).hasMessage("streamArn");
        assertThatThrownBy(() -> store.save(null, List.of())).isInstanceOf(NullPointerException.class)
                .hasMessage("streamArn");
        assertThatThrownBy(() -> store.save(STREAM_A, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("checkpoints");
    }

    @Test
    void inMemoryFactory_returnsAFreshEmptyStore() {
        CheckpointStore first = CheckpointStore.inMemory();
        first.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "1"))).block();

        StepVerifier.create(CheckpointStore.inMemory().load(STREAM_A)).expectNext(Map.of()).verifyComplete();
    }

    /**
     * Regression (issue 13): two receivers sharing one store (a rolling deploy) could move a checkpoint back; it
     * never moves back now, compared by numeric value, and an ended shard stays ended. Failed before the fix:
     * the stored checkpoint was the last one saved ("shard-1" at "20" after "100").
     */
    @Test
    void save_neverMovesACheckpointBack() {
        store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "100"), ShardCheckpoint.at("shard-2", "9"),
                ShardCheckpoint.ended("shard-3", "7"))).block();

        store.save(STREAM_A, List.of(ShardCheckpoint.at("shard-1", "20"), ShardCheckpoint.at("shard-2", "10"),
                ShardCheckpoint.at("shard-3", "8"))).block();

        assertThat(store.snapshot(STREAM_A)).containsOnly(
                Map.entry("shard-1", ShardCheckpoint.at("shard-1", "100")),
                Map.entry("shard-2", ShardCheckpoint.at("shard-2", "10")),
                Map.entry("shard-3", ShardCheckpoint.ended("shard-3", "7")));
    }
}
