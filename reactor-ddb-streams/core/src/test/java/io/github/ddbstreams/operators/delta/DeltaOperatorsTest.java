package io.github.ddbstreams.operators.delta;

import static io.github.ddbstreams.operators.delta.DeltaTest.m;
import static io.github.ddbstreams.operators.delta.DeltaTest.map;
import static io.github.ddbstreams.operators.delta.DeltaTest.s;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.github.ddbstreams.operators.TestCheckpoint;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

class DeltaOperatorsTest {

    private static ChangeRecord modify(String seq, TestCheckpoint checkpoint, Map<String, AttributeValue> oldImage,
            Map<String, AttributeValue> newImage) {
        return ChangeRecord.builder().eventName(EventName.MODIFY).sequenceNumber(seq).shardId("s1")
                .oldImage(oldImage).newImage(newImage).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)
                .checkpoint(checkpoint).build();
    }

    private static ChangeRecord newImageOnly(String seq, TestCheckpoint checkpoint) {
        return ChangeRecord.builder().eventName(EventName.MODIFY).sequenceNumber(seq).shardId("s1")
                .newImage(map("v", s("2"))).streamViewType(StreamViewType.NEW_IMAGE).checkpoint(checkpoint).build();
    }

    @Test
    void deltas_emitsOneDeltaPerRecord_withoutAcknowledging() {
        TestCheckpoint c1 = new TestCheckpoint();
        TestCheckpoint c2 = new TestCheckpoint();
        ChangeRecord r1 = modify("1", c1, map("v", s("1")), map("v", s("2")));
        ChangeRecord r2 = modify("2", c2, map("v", s("2")), map("v", s("2")));

        StepVerifier.create(Flux.just(r1, r2).transform(Delta.deltas()))
                .assertNext(d -> {
                    assertThat(d.record()).isSameAs(r1);
                    assertThat(d.changedPaths()).containsExactly("v");
                })
                .assertNext(d -> assertThat(d.isEmpty()).isTrue())
                .verifyComplete();
        assertThat(c1.isAcknowledged()).isFalse();
        assertThat(c2.isAcknowledged()).isFalse();
    }

    @Test
    void deltas_whenViewTypeCannotGiveADelta_failsByDefaultWithTheFix() {
        TestCheckpoint c = new TestCheckpoint();

        StepVerifier.create(Flux.just(newImageOnly("1", c)).transform(Delta.deltas()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UnsupportedViewTypeException.class)
                        .hasMessageContaining("NEW_IMAGE").hasMessageContaining("enable NEW_AND_OLD_IMAGES"))
                .verify();
        assertThat(c.isAcknowledged()).isFalse();
    }

    @Test
    void deltas_whenPolicyIsPassThrough_emitsAnIncompleteDeltaThatMayHaveChangedAnything() {
        DeltaOptions options = DeltaOptions.builder().unsupportedViewTypePolicy(UnsupportedViewTypePolicy.PASS_THROUGH).build();

        StepVerifier.create(Flux.just(newImageOnly("1", new TestCheckpoint())).transform(Delta.deltas(options)))
                .assertNext(d -> {
                    assertThat(d.isComplete()).isFalse();
                    assertThat(d.isEmpty()).isFalse();
                    assertThat(d.changes()).isEmpty();
                    assertThat(d.changed("anything")).isTrue();
                })
                .verifyComplete();
    }

    @Test
    void deltas_whenPolicyIsDrop_dropsAndAcknowledges() {
        DeltaOptions options = DeltaOptions.builder().unsupportedViewTypePolicy(UnsupportedViewTypePolicy.DROP).build();
        TestCheckpoint dropped = new TestCheckpoint();
        TestCheckpoint kept = new TestCheckpoint();

        StepVerifier.create(Flux.just(newImageOnly("1", dropped), modify("2", kept, map("v", s("1")), map("v", s("2"))))
                        .transform(Delta.deltas(options)))
                .assertNext(d -> assertThat(d.record().sequenceNumber()).isEqualTo("2"))
                .verifyComplete();
        assertThat(dropped.acknowledgements()).isEqualTo(1);
        assertThat(kept.isAcknowledged()).isFalse();
    }

    @Test
    void whenChanged_keepsRecordsWhereAPathOrBelowChanged_andAcknowledgesTheOthers() {
        TestCheckpoint cityChanged = new TestCheckpoint();
        TestCheckpoint zipOnly = new TestCheckpoint();
        TestCheckpoint statusChanged = new TestCheckpoint();
        TestCheckpoint numberRewritten = new TestCheckpoint();
        Flux<ChangeRecord> records = Flux.just(
                modify("1", cityChanged, map("address", m("city", s("Paris"), "zip", s("1"))),
                        map("address", m("city", s("Lyon"), "zip", s("1")))),
                modify("2", zipOnly, map("address", m("city", s("Lyon"), "zip", s("1"))),
                        map("address", m("city", s("Lyon"), "zip", s("2")))),
                modify("3", statusChanged, map("status", s("NEW")), map("status", s("PAID"))),
                modify("4", numberRewritten, map("status", s("PAID"), "n", AttributeValue.fromN("1")),
                        map("status", s("PAID"), "n", AttributeValue.fromN("1.0"))));

        StepVerifier.create(records.transform(Delta.whenChanged("address.city", "status", "n")))
                .assertNext(r -> assertThat(r.sequenceNumber()).isEqualTo("1"))
                .assertNext(r -> assertThat(r.sequenceNumber()).isEqualTo("3"))
                .verifyComplete();
        assertThat(zipOnly.acknowledgements()).isEqualTo(1);
        assertThat(numberRewritten.acknowledgements()).isEqualTo(1);
        assertThat(cityChanged.isAcknowledged()).as("kept records are the user's to acknowledge").isFalse();
        assertThat(statusChanged.isAcknowledged()).isFalse();
    }

    @Test
    void whenChanged_withAParentPath_matchesAChangeBelowIt() {
        TestCheckpoint c = new TestCheckpoint();
        ChangeRecord record = modify("1", c, map("a", m("b", m("c", DeltaTest.l(s("x"), m("d", s("1")))))),
                map("a", m("b", m("c", DeltaTest.l(s("x"), m("d", s("2")))))));

        StepVerifier.create(Flux.just(record).transform(Delta.whenChanged("a")))
                .expectNext(record).verifyComplete();
        StepVerifier.create(Flux.just(record).transform(Delta.whenChanged("a.b.c[1].d")))
                .expectNext(record).verifyComplete();
        StepVerifier.create(Flux.just(record).transform(Delta.whenChanged("a.b.c[0]")))
                .verifyComplete();
        assertThat(c.acknowledgements()).isEqualTo(1);
    }

    @Test
    void whenChanged_onInsertAndRemove_matchesPresentAttributes() {
        TestCheckpoint insertCheckpoint = new TestCheckpoint();
        ChangeRecord insert = ChangeRecord.builder().eventName(EventName.INSERT).sequenceNumber("1")
                .newImage(map("pk", s("a"), "status", s("NEW"))).streamViewType(StreamViewType.NEW_IMAGE)
                .checkpoint(insertCheckpoint).build();
        ChangeRecord remove = ChangeRecord.builder().eventName(EventName.REMOVE).sequenceNumber("2")
                .oldImage(map("pk", s("a"), "status", s("NEW"))).streamViewType(StreamViewType.OLD_IMAGE).build();

        StepVerifier.create(Flux.just(insert, remove).transform(Delta.whenChanged("status")))
                .expectNext(insert, remove).verifyComplete();
        StepVerifier.create(Flux.just(insert).transform(Delta.whenChanged("other")))
                .verifyComplete();
        assertThat(insertCheckpoint.acknowledgements()).isEqualTo(1);
    }

    @Test
    void whenChanged_whenViewTypeCannotGiveADelta_followsThePolicy() {
        TestCheckpoint c = new TestCheckpoint();
        ChangeRecord record = newImageOnly("1", c);

        StepVerifier.create(Flux.just(record).transform(Delta.whenChanged("v")))
                .expectError(UnsupportedViewTypeException.class).verify();
        StepVerifier.create(Flux.just(record).transform(Delta.whenChanged(DeltaOptions.builder()
                        .unsupportedViewTypePolicy(UnsupportedViewTypePolicy.PASS_THROUGH).build(), "v")))
                .expectNext(record).verifyComplete();
        assertThat(c.isAcknowledged()).isFalse();
        StepVerifier.create(Flux.just(record).transform(Delta.whenChanged(DeltaOptions.builder()
                        .unsupportedViewTypePolicy(UnsupportedViewTypePolicy.DROP).build(), "v")))
                .verifyComplete();
        assertThat(c.acknowledgements()).isEqualTo(1);
    }

    @Test
    void deltaOptions_roundTripThroughToBuilder_andRejectNull() {
        DeltaOptions options = DeltaOptions.builder().unsupportedViewTypePolicy(UnsupportedViewTypePolicy.DROP).build();

        assertThat(options.toBuilder().build()).isEqualTo(options);
        assertThat(DeltaOptions.defaults().unsupportedViewTypePolicy()).isEqualTo(UnsupportedViewTypePolicy.FAIL);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DeltaOptions.builder().unsupportedViewTypePolicy(null).build())
                .hasMessageContaining("unsupportedViewTypePolicy");
    }
}
