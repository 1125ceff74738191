package io.github.ddbstreams.receiver.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class ShardCheckpointerTest {

    private final ShardCheckpointer checkpointer = new ShardCheckpointer("s1", null, Mono::empty);

    private static String seq(int n) {
        return "1000000000000000000000" + String.format("%04d", n);
    }

    @Test
    void watermark_isTheEndOfTheAcknowledgedPrefix() {
        List<ShardCheckpointer.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            entries.add(checkpointer.track(seq(i)));
        }
        entries.get(3).acknowledge();
        entries.get(1).acknowledge();
        assertThat(checkpointer.toCommit()).isNull();

        entries.get(0).acknowledge();
        assertThat(checkpointer.watermark()).isEqualTo(seq(1));
        entries.get(2).acknowledge();
        assertThat(checkpointer.watermark()).isEqualTo(seq(3));
        assertThat(checkpointer.pendingCount()).isEqualTo(1);
        assertThat(checkpointer.toCommit()).isEqualTo(ShardCheckpoint.at("s1", seq(3)));
    }

    @Test
    void drained_completesOnceEveryDeliveredRecordIsAcknowledged_notWaitingForUndeliveredOnes() {
        ShardCheckpointer.Entry first = checkpointer.track(seq(1));
        ShardCheckpointer.Entry second = checkpointer.track(seq(2));
        checkpointer.track(seq(3));        // buffered, never delivered
        checkpointer.track(seq(4));
        checkpointer.markEndReached();
        checkpointer.untrackFrom(seq(3));
        assertThat(checkpointer.unacknowledgedCount()).isEqualTo(2);

        List<String> signals = new ArrayList<>();
        checkpointer.drained().subscribe(v -> { }, e -> signals.add("error"), () -> signals.add("drained"));
        second.acknowledge();
        assertThat(signals).isEmpty();
        first.acknowledge();
        assertThat(signals).containsExactly("drained");
        assertThat(checkpointer.toCommit()).as("not ended: the undelivered records were not read")
                .isEqualTo(ShardCheckpoint.at("s1", seq(2)));
        assertThat(checkpointer.drained().block()).as("completes at once when nothing is pending").isNull();
    }

    @Test
    void drained_completesWhenTheShardIsRevoked() {
        checkpointer.track(seq(1));
        List<String> signals = new ArrayList<>();
        checkpointer.drained().subscribe(v -> { }, e -> signals.add("error"), () -> signals.add("drained"));
        checkpointer.revoke();
        assertThat(signals).containsExactly("drained");
    }

    @Test
    void acknowledge_isIdempotent() {
        ShardCheckpointer.Entry a = checkpointer.track(seq(1));
        ShardCheckpointer.Entry b = checkpointer.track(seq(2));
        a.acknowledge();
        a.acknowledge();
        assertThat(checkpointer.watermark()).isEqualTo(seq(1));
        assertThat(b.isAcknowledged()).isFalse();
    }

    @Test
    void skippedRecords_countAsAcknowledged() {
        checkpointer.skip(seq(1));
        assertThat(checkpointer.watermark()).isEqualTo(seq(1));
        ShardCheckpointer.Entry pending = checkpointer.track(seq(2));
        checkpointer.skip(seq(3));
        assertThat(checkpointer.watermark()).isEqualTo(seq(1));
        pending.acknowledge();
        assertThat(checkpointer.watermark()).isEqualTo(seq(3));
    }

    @Test
    void shardEnds_onlyWhenEveryRecordIsAcknowledged() {
        ShardCheckpointer.Entry a = checkpointer.track(seq(1));
        checkpointer.markEndReached();
        assertThat(checkpointer.isEnded()).isFalse();
        a.acknowledge();
        assertThat(checkpointer.isEnded()).isTrue();
        assertThat(checkpointer.toCommit()).isEqualTo(ShardCheckpoint.ended("s1", seq(1)));
    }

    @Test
    void anEmptyShardThatEnded_isCommittedEndedWithoutSequenceNumber() {
        assertThat(checkpointer.toCommit()).isNull();
        checkpointer.markEndReached();
        assertThat(checkpointer.toCommit()).isEqualTo(ShardCheckpoint.ended("s1", null));
    }

    @Test
    void toCommit_isNullOnceTheSameCheckpointWasSaved() {
        checkpointer.track(seq(1)).acknowledge();
        ShardCheckpoint first = checkpointer.toCommit();
        checkpointer.saved(first);
        assertThat(checkpointer.toCommit()).isNull();
    }

    @Test
    void concurrentAcknowledgementsInRandomOrder_endAtTheLastRecord() throws InterruptedException {
        List<ShardCheckpointer.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            entries.add(checkpointer.track(seq(i)));
        }
        List<ShardCheckpointer.Entry> shuffled = new ArrayList<>(entries);
        Collections.shuffle(shuffled, new Random(42));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        shuffled.forEach(e -> pool.execute(e::acknowledge));
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(checkpointer.watermark()).isEqualTo(seq(9_999));
        assertThat(checkpointer.pendingCount()).isZero();
    }

    /**
     * Regression (issue 13): after a lease loss (the session forgets the shard) a record's {@code commit()}
     * completed as if stored although nothing was. Failed before the fix: "expected: onError(); actual: onComplete()".
     */
    @Test
    void recordCommit_afterTheShardWasGivenUp_failsUnlessTheStoreCoversIt() {
        io.github.ddbstreams.checkpoint.InMemoryCheckpointStore store = new io.github.ddbstreams.checkpoint.InMemoryCheckpointStore();
        CheckpointCommitter committer = new CheckpointCommitter(store, () -> "arn", ReceiverMetrics::new);
        ShardCheckpointer shard = new ShardCheckpointer("s1", null, committer::commit);
        committer.register(shard);
        ShardCheckpointer.Entry first = shard.track(seq(1));
        ShardCheckpointer.Entry second = shard.track(seq(2));
        first.commit().block();

        committer.forget("s1");

        reactor.test.StepVerifier.create(second.commit())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("shard s1").hasMessageContaining(seq(2))
                        .hasMessageContaining("no longer holds the shard's lease"))
                .verify(java.time.Duration.ofSeconds(5));
        reactor.test.StepVerifier.create(first.commit()).expectComplete().verify(java.time.Duration.ofSeconds(5));
        assertThat(store.snapshot("arn")).containsExactly(java.util.Map.entry("s1", ShardCheckpoint.at("s1", seq(1))));
    }
}
