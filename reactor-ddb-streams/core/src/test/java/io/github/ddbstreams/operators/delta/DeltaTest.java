package io.github.ddbstreams.operators.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.ddbstreams.operators.delta.AttributeChange.Kind;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

class DeltaTest {

    static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    static AttributeValue n(String v) {
        return AttributeValue.fromN(v);
    }

    static AttributeValue m(Object... kv) {
        return AttributeValue.fromM(map(kv));
    }

    static AttributeValue l(AttributeValue... values) {
        return AttributeValue.fromL(List.of(values));
    }

    static Map<String, AttributeValue> map(Object... kv) {
        Map<String, AttributeValue> map = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            map.put((String) kv[i], (AttributeValue) kv[i + 1]);
        }
        return map;
    }

    static ChangeRecord modify(Map<String, AttributeValue> oldImage, Map<String, AttributeValue> newImage) {
        return ChangeRecord.builder().eventName(EventName.MODIFY).sequenceNumber("100").shardId("s1")
                .keys(map("pk", s("a"))).oldImage(oldImage).newImage(newImage)
                .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES).build();
    }

    @Test
    void of_whenModifyChangesScalars_reportsAddedRemovedAndChangedTopLevelPaths() {
        ChangeDelta delta = Delta.of(modify(
                map("pk", s("a"), "status", s("NEW"), "old", s("x")),
                map("pk", s("a"), "status", s("PAID"), "fresh", n("1"))));

        assertThat(delta.isComplete()).isTrue();
        assertThat(delta.isEmpty()).isFalse();
        assertThat(delta.changes()).containsExactly(
                AttributeChange.changed("status", s("NEW"), s("PAID")),
                AttributeChange.removed("old", s("x")),
                AttributeChange.added("fresh", n("1")));
        assertThat(delta.changedPaths()).containsExactly("status", "old", "fresh");
        assertThat(delta.changed("pk")).isFalse();
        assertThat(delta.change("status")).get().extracting(AttributeChange::kind).isEqualTo(Kind.CHANGED);
    }

    @Test
    void of_whenNestedMapsInListsInMapsChange_reportsTheDeepestPaths() {
        AttributeValue oldOrder = m("address", m("city", s("Paris"), "zip", s("75001")),
                "items", l(m("sku", s("A"), "qty", n("1")), m("sku", s("B"), "qty", n("2"))),
                "tags", l(s("x"), s("y"), s("z")));
        AttributeValue newOrder = m("address", m("city", s("Lyon"), "zip", s("75001"), "line2", s("bis")),
                "items", l(m("sku", s("A"), "qty", n("3")), m("sku", s("B"), "qty", n("2.0"))),
                "tags", l(s("x"), s("y")));

        ChangeDelta delta = Delta.of(modify(map("pk", s("a"), "order", oldOrder), map("pk", s("a"), "order", newOrder)));

        assertThat(delta.changedPaths()).containsExactly(
                "order.address.city", "order.address.line2", "order.items[0].qty", "order.tags[2]");
        assertThat(delta.change("order.tags[2]")).get().isEqualTo(AttributeChange.removed("order.tags[2]", s("z")));
        assertThat(delta.change("order.address.line2")).get().extracting(AttributeChange::kind).isEqualTo(Kind.ADDED);
        assertThat(delta.changed("order")).isTrue();
        assertThat(delta.changed("order.address")).isTrue();
        assertThat(delta.changed("order.items[0]")).isTrue();
        assertThat(delta.changed("order.items[1]")).as("2 equals 2.0").isFalse();
        assertThat(delta.changed("order.address.zip")).isFalse();
        assertThat(delta.changed("order.tags")).isTrue();
        assertThat(delta.changed("order.tags[0]")).isFalse();
        assertThat(delta.changed("nothing.here")).isFalse();
    }

    @Test
    void of_whenListGrows_reportsAddedIndexes() {
        ChangeDelta delta = Delta.of(modify(map("tags", l(s("a"))), map("tags", l(s("a"), s("b"), s("c")))));

        assertThat(delta.changes()).containsExactly(
                AttributeChange.added("tags[1]", s("b")), AttributeChange.added("tags[2]", s("c")));
    }

    @Test
    void of_comparesNumbersByValue() {
        ChangeDelta delta = Delta.of(modify(
                map("a", n("1"), "b", n("100"), "c", n("-0.50"), "d", n("0"), "e", n("1"), "big", n("12345678901234567890123456789012345678")),
                map("a", n("1.0"), "b", n("1E2"), "c", n("-.5"), "d", n("-0.000"), "e", n("1.01"), "big", n("1.2345678901234567890123456789012345678E37"))));

        assertThat(delta.changedPaths()).containsExactly("e");
    }

    @Test
    void of_comparesSetsWithoutOrder_numberSetsByValue_binariesByContent() {
        SdkBytes one = SdkBytes.fromUtf8String("one");
        SdkBytes two = SdkBytes.fromUtf8String("two");
        ChangeDelta delta = Delta.of(modify(
                map("ss", AttributeValue.fromSs(List.of("a", "b", "c")),
                        "ns", AttributeValue.fromNs(List.of("1", "2.50", "3")),
                        "bs", AttributeValue.fromBs(List.of(one, two)),
                        "b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 3})),
                        "ss2", AttributeValue.fromSs(List.of("a", "b"))),
                map("ss", AttributeValue.fromSs(List.of("c", "a", "b")),
                        "ns", AttributeValue.fromNs(List.of("3.0", "1", "2.5")),
                        "bs", AttributeValue.fromBs(List.of(SdkBytes.fromUtf8String("two"), SdkBytes.fromUtf8String("one"))),
                        "b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 3})),
                        "ss2", AttributeValue.fromSs(List.of("a", "c")))));

        assertThat(delta.changes()).containsExactly(AttributeChange.changed("ss2",
                AttributeValue.fromSs(List.of("a", "b")), AttributeValue.fromSs(List.of("a", "c"))));
    }

    @Test
    void of_whenTypeChanges_reportsChangedAtThatPath() {
        ChangeDelta delta = Delta.of(modify(
                map("v", s("1"), "m", m("x", s("1")), "flag", AttributeValue.fromBool(true), "nul", AttributeValue.fromNul(true)),
                map("v", n("1"), "m", l(s("1")), "flag", AttributeValue.fromBool(true), "nul", s("now set"))));

        assertThat(delta.changes()).containsExactly(
                AttributeChange.changed("v", s("1"), n("1")),
                AttributeChange.changed("m", m("x", s("1")), l(s("1"))),
                AttributeChange.changed("nul", AttributeValue.fromNul(true), s("now set")));
        assertThat(delta.changed("m.x")).as("m.x was in the old map, is gone now").isTrue();
    }

    @Test
    void of_whenNothingChanged_isEmpty() {
        ChangeDelta delta = Delta.of(modify(map("pk", s("a"), "n", n("5")), map("pk", s("a"), "n", n("5.00"))));

        assertThat(delta.isEmpty()).isTrue();
        assertThat(delta.changedPaths()).isEmpty();
        assertThat(delta.changed("n")).isFalse();
    }

    @Test
    void of_insert_reportsEveryAttributeAdded_evenWithNewImageViewType() {
        ChangeRecord insert = ChangeRecord.builder().eventName(EventName.INSERT).sequenceNumber("1")
                .newImage(map("pk", s("a"), "address", m("city", s("Paris"))))
                .streamViewType(StreamViewType.NEW_IMAGE).build();

        ChangeDelta delta = Delta.of(insert);

        assertThat(delta.changes()).containsExactly(
                AttributeChange.added("pk", s("a")), AttributeChange.added("address", m("city", s("Paris"))));
        assertThat(delta.changed("address.city")).isTrue();
        assertThat(delta.changed("address.zip")).isFalse();
    }

    @Test
    void of_remove_reportsEveryAttributeRemoved_evenWithOldImageViewType() {
        ChangeRecord remove = ChangeRecord.builder().eventName(EventName.REMOVE).sequenceNumber("1")
                .oldImage(map("pk", s("a"), "status", s("PAID")))
                .streamViewType(StreamViewType.OLD_IMAGE).build();

        assertThat(Delta.of(remove).changes()).containsExactly(
                AttributeChange.removed("pk", s("a")), AttributeChange.removed("status", s("PAID")));
    }

    @Test
    void of_whenModifyHasOnlyNewImage_throwsNamingTheViewTypeAndTheFix() {
        for (StreamViewType viewType : List.of(StreamViewType.NEW_IMAGE, StreamViewType.OLD_IMAGE, StreamViewType.KEYS_ONLY)) {
            ChangeRecord record = modify(map("pk", s("a")), map("pk", s("a"))).toBuilder().streamViewType(viewType).build();

            assertThatThrownBy(() -> Delta.of(record))
                    .isInstanceOf(UnsupportedViewTypeException.class)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("view type is " + viewType)
                    .hasMessageContaining("enable NEW_AND_OLD_IMAGES")
                    .hasMessageContaining("MODIFY")
                    .satisfies(e -> assertThat(((UnsupportedViewTypeException) e).viewType()).isEqualTo(viewType));
            assertThat(Delta.isSupported(record)).isFalse();
        }
    }

    @Test
    void of_whenInsertOrRemoveLacksItsImage_throws() {
        ChangeRecord insertKeysOnly = ChangeRecord.builder().eventName(EventName.INSERT).sequenceNumber("1")
                .keys(map("pk", s("a"))).streamViewType(StreamViewType.KEYS_ONLY).build();
        ChangeRecord removeNewImage = ChangeRecord.builder().eventName(EventName.REMOVE).sequenceNumber("1")
                .keys(map("pk", s("a"))).streamViewType(StreamViewType.NEW_IMAGE).build();
        ChangeRecord insertOldImage = ChangeRecord.builder().eventName(EventName.INSERT).sequenceNumber("1")
                .keys(map("pk", s("a"))).streamViewType(StreamViewType.OLD_IMAGE).build();

        assertThatThrownBy(() -> Delta.of(insertKeysOnly)).hasMessageContaining("KEYS_ONLY").hasMessageContaining("new image");
        assertThatThrownBy(() -> Delta.of(removeNewImage)).hasMessageContaining("NEW_IMAGE").hasMessageContaining("old image");
        assertThatThrownBy(() -> Delta.of(insertOldImage)).hasMessageContaining("OLD_IMAGE");
    }

    @Test
    void of_whenViewTypeIsUnknown_infersItFromTheImagesPresent() {
        ChangeRecord both = modify(map("v", s("1")), map("v", s("2"))).toBuilder().streamViewType(null).build();
        ChangeRecord onlyNew = both.toBuilder().oldImage(null).build();
        ChangeRecord insert = onlyNew.toBuilder().eventName(EventName.INSERT).build();

        assertThat(Delta.of(both).changedPaths()).containsExactly("v");
        assertThat(Delta.of(insert).changedPaths()).containsExactly("v");
        assertThatThrownBy(() -> Delta.of(onlyNew))
                .isInstanceOf(UnsupportedViewTypeException.class)
                .hasMessageContaining("view type is NEW_IMAGE (the record names no view type; inferred")
                .satisfies(e -> assertThat(((UnsupportedViewTypeException) e).isInferred()).isTrue());
    }

    @Test
    void paths_quoteNamesHoldingDelimiters_soTheyStayUnambiguous() {
        ChangeDelta delta = Delta.of(modify(
                map("a.b", s("1"), "a", m("b", s("1")), "x[1]", s("1"), "q\"uote", s("1"), "", s("1"),
                        "m", m("k.e.y", s("1"))),
                map("a.b", s("2"), "a", m("b", s("2")), "x[1]", s("2"), "q\"uote", s("2"), "", s("2"),
                        "m", m("k.e.y", s("2")))));

        assertThat(delta.changedPaths()).containsExactly(
                "\"a.b\"", "a.b", "\"x[1]\"", "\"q\\\"uote\"", "\"\"", "m.\"k.e.y\"");
        assertThat(Delta.quote("a.b")).isEqualTo("\"a.b\"");
        assertThat(Delta.quote("plain")).isEqualTo("plain");
        assertThat(delta.changed(Delta.quote("a.b"))).isTrue();
        assertThat(delta.changed("m." + Delta.quote("k.e.y"))).isTrue();
        assertThat(delta.changed("m")).isTrue();
    }

    @Test
    void changed_whenPathIsMalformed_throwsNamingThePosition() {
        ChangeDelta delta = Delta.of(modify(map("v", s("1")), map("v", s("2"))));

        assertThatThrownBy(() -> delta.changed("a..b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a..b' at position 2");
        assertThatThrownBy(() -> delta.changed("tags[x]")).hasMessageContaining("decimal digits");
        assertThatThrownBy(() -> delta.changed("\"open")).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> delta.changed("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Delta.whenChanged()).hasMessageContaining("at least one");
    }

    @Test
    void attributeChange_validatesKindAgainstValues_andHidesValuesInToString() {
        assertThatThrownBy(() -> new AttributeChange("p", Kind.ADDED, s("x"), s("y")))
                .hasMessageContaining("oldValue must be null");
        assertThatThrownBy(() -> new AttributeChange("p", Kind.CHANGED, null, s("y")))
                .hasMessageContaining("oldValue");
        assertThat(AttributeChange.changed("p", s("secret"), s("secret2")).toString()).doesNotContain("secret");
    }
}
