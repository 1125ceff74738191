package io.github.ddbstreams.operators.delta;

import static io.github.ddbstreams.operators.delta.DeltaTest.map;
import static io.github.ddbstreams.operators.delta.DeltaTest.s;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.ddbstreams.operators.TestCheckpoint;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * {@link Delta}'s operators hand a record they drop on purpose to the discard hook, as {@code Flux#filter} does,
 * after acknowledging it.
 */
class DeltaConventionsTest {

    private final List<ChangeRecord> discarded = new CopyOnWriteArrayList<>();

    private static ChangeRecord modify(String seq, Map<String, AttributeValue> oldImage,
            Map<String, AttributeValue> newImage) {
        return ChangeRecord.builder().eventName(EventName.MODIFY).sequenceNumber(seq).shardId("s1")
                .oldImage(oldImage).newImage(newImage).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)
                .checkpoint(new TestCheckpoint()).build();
    }

    private static ChangeRecord newImageOnly(String seq) {
        return ChangeRecord.builder().eventName(EventName.MODIFY).sequenceNumber(seq).shardId("s1")
                .newImage(map("v", s("2"))).streamViewType(StreamViewType.NEW_IMAGE).checkpoint(new TestCheckpoint())
                .build();
    }

    private void discard(ChangeRecord record) {
        assertThat(record.checkpoint().isAcknowledged()).as("acknowledged before discarded").isTrue();
        discarded.add(record);
    }

    @Test
    void whenChanged_discardsTheRecordsItFiltersOut_afterAcknowledgingThem() {
        ChangeRecord changed = modify("1", map("v", s("1")), map("v", s("2")));
        ChangeRecord unchanged = modify("2", map("v", s("2")), map("v", s("2")));

        StepVerifier.create(Flux.just(changed, unchanged).transform(Delta.whenChanged("v"))
                        .doOnDiscard(ChangeRecord.class, this::discard))
                .expectNext(changed)
                .verifyComplete();

        assertThat(discarded).containsExactly(unchanged);
    }

    @Test
    void whenChanged_withDropPolicy_discardsARecordThatCannotGiveADelta() {
        ChangeRecord unsupported = newImageOnly("1");
        DeltaOptions options = DeltaOptions.builder().unsupportedViewTypePolicy(UnsupportedViewTypePolicy.DROP).build();

        StepVerifier.create(Flux.just(unsupported).transform(Delta.whenChanged(options, "v"))
                        .doOnDiscard(ChangeRecord.class, this::discard))
                .verifyComplete();

        assertThat(discarded).containsExactly(unsupported);
    }

    @Test
    void deltas_withDropPolicy_discardsARecordThatCannotGiveADelta() {
        ChangeRecord unsupported = newImageOnly("1");
        ChangeRecord supported = modify("2", map("v", s("1")), map("v", s("2")));
        DeltaOptions options = DeltaOptions.builder().unsupportedViewTypePolicy(UnsupportedViewTypePolicy.DROP).build();

        StepVerifier.create(Flux.just(unsupported, supported).transform(Delta.deltas(options))
                        .doOnDiscard(ChangeRecord.class, this::discard))
                .assertNext(d -> assertThat(d.record()).isSameAs(supported))
                .verifyComplete();

        assertThat(discarded).containsExactly(unsupported);
    }
}
