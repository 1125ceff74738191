package io.github.ddbstreams.operators.dedupe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.ddbstreams.operators.TestCheckpoint;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** {@link Dedupe} hands a duplicate it drops to the discard hook, as {@code Flux#filter} does, acknowledged. */
class DedupeConventionsTest {

    private static ChangeRecord record(String seq, String eventId) {
        return ChangeRecord.builder().eventName(EventName.INSERT).shardId("s1").sequenceNumber(seq).eventId(eventId)
                .checkpoint(new TestCheckpoint()).build();
    }

    @Test
    void byEventId_discardsTheDuplicatesItDrops_afterAcknowledgingThem() {
        List<ChangeRecord> discarded = new CopyOnWriteArrayList<>();
        ChangeRecord first = record("1", "e1");
        ChangeRecord duplicate = record("2", "e1");

        StepVerifier.create(Flux.just(first, duplicate)
                        .transform(Dedupe.byEventId(DedupeOptions.builder()
                                .rememberWhen(DedupeOptions.RememberWhen.EMITTED).build()))
                        .doOnDiscard(ChangeRecord.class, r -> {
                            assertThat(r.checkpoint().isAcknowledged()).as("acknowledged before discarded").isTrue();
                            discarded.add(r);
                        }))
                .expectNext(first)
                .verifyComplete();

        assertThat(discarded).containsExactly(duplicate);
    }

    @Test
    void bySequenceNumber_discardsTheReplayedRecordsItDrops() {
        List<ChangeRecord> discarded = new CopyOnWriteArrayList<>();
        ChangeRecord first = record("5", "e5");
        ChangeRecord replayed = record("5", "e5-again");

        StepVerifier.create(Flux.just(first, replayed).transform(Dedupe.bySequenceNumber())
                        .doOnDiscard(ChangeRecord.class, discarded::add))
                .assertNext(r -> r.checkpoint().acknowledge()) // remembered once acknowledged
                .verifyComplete();

        assertThat(discarded).containsExactly(replayed);
    }
}
