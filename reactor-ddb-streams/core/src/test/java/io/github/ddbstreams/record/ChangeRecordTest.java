package io.github.ddbstreams.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

class ChangeRecordTest {

    private static final String ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2024-01-01T00:00:00.000";
    private static final Map<String, AttributeValue> KEYS = Map.of("id", AttributeValue.fromS("secret-key-42"));
    private static final Map<String, AttributeValue> IMAGE = Map.of(
            "id", AttributeValue.fromS("secret-key-42"),
            "email", AttributeValue.fromS("alice@example.com"),
            "price", AttributeValue.fromN("1.50"));

    private static Record.Builder sdkRecord(OperationType op, StreamRecord data) {
        return Record.builder()
                .eventID("e-1")
                .eventName(op)
                .eventVersion("1.1")
                .eventSource("aws:dynamodb")
                .awsRegion("us-east-1")
                .dynamodb(data);
    }

    private static ChangeRecord.Builder minimal() {
        return ChangeRecord.builder().eventName(EventName.INSERT).sequenceNumber("100");
    }

    @Test
    void from_insert_hasNewImageAndEmptyOldImage() {
        StreamRecord data = StreamRecord.builder()
                .keys(KEYS).newImage(IMAGE)
                .sequenceNumber("000000000000000000123").sizeBytes(42L)
                .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)
                .approximateCreationDateTime(Instant.parse("2024-01-01T00:00:00Z"))
                .build();

        ChangeRecord r = ChangeRecord.from(sdkRecord(OperationType.INSERT, data).build(), "shard-1", ARN,
                RecordCheckpoint.none());

        assertThat(r.eventId()).isEqualTo("e-1");
        assertThat(r.eventName()).isEqualTo(EventName.INSERT);
        assertThat(r.eventVersion()).isEqualTo("1.1");
        assertThat(r.eventSource()).isEqualTo("aws:dynamodb");
        assertThat(r.awsRegion()).isEqualTo("us-east-1");
        assertThat(r.keys()).isEqualTo(KEYS);
        assertThat(r.newImage()).isEqualTo(IMAGE);
        assertThat(r.oldImage()).isNotNull().isEmpty();
        assertThat(r.oldImageAsMap()).isEmpty();
        assertThat(r.newImageAsMap()).containsEntry("price", new BigDecimal("1.50"));
        assertThat(r.newImageAsDocument().getString("email")).isEqualTo("alice@example.com");
        assertThat(r.oldImageAsDocument().toMap()).isEmpty();
        assertThat(r.sequenceNumber()).isEqualTo("000000000000000000123");
        assertThat(r.sizeBytes()).isEqualTo(42L);
        assertThat(r.streamViewType()).isEqualTo(StreamViewType.NEW_AND_OLD_IMAGES);
        assertThat(r.approximateCreationTime()).isEqualTo(Instant.parse("2024-01-01T00:00:00Z"));
        assertThat(r.shardId()).isEqualTo("shard-1");
        assertThat(r.streamArn()).isEqualTo(ARN);
        assertThat(r.checkpoint()).isSameAs(RecordCheckpoint.none());
        assertThat(r.userIdentity()).isNull();
        assertThat(r.isTimeToLiveDelete()).isFalse();
    }

    @Test
    void from_remove_hasOldImageAndEmptyNewImage() {
        StreamRecord data = StreamRecord.builder().keys(KEYS).oldImage(IMAGE).sequenceNumber("7").build();

        ChangeRecord r = ChangeRecord.from(sdkRecord(OperationType.REMOVE, data).build(), "s", ARN, null);

        assertThat(r.eventName()).isEqualTo(EventName.REMOVE);
        assertThat(r.oldImage()).isEqualTo(IMAGE);
        assertThat(r.newImage()).isNotNull().isEmpty();
        assertThat(r.newImageAsMap()).isEmpty();
        assertThat(r.checkpoint()).isSameAs(RecordCheckpoint.none());
        assertThat(r.sizeBytes()).isZero();
        assertThat(r.approximateCreationTime()).isNull();
        assertThat(r.streamViewType()).isNull();
    }

    @Test
    void from_keysOnly_hasEmptyImages() {
        StreamRecord data = StreamRecord.builder().keys(KEYS).sequenceNumber("8")
                .streamViewType(StreamViewType.KEYS_ONLY).build();

        ChangeRecord r = ChangeRecord.from(sdkRecord(OperationType.MODIFY, data).build(), "s", ARN, null);

        assertThat(r.keys()).isEqualTo(KEYS);
        assertThat(r.oldImage()).isNotNull().isEmpty();
        assertThat(r.newImage()).isNotNull().isEmpty();
        assertThatThrownBy(() -> r.keys().put("x", AttributeValue.fromS("y")))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void from_missingDynamoDbSection_failsNamingIt() {
        Record record = sdkRecord(OperationType.INSERT, null).build();
        assertThatThrownBy(() -> ChangeRecord.from(record, "s", ARN, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stream record e-1 has no 'dynamodb' section");
    }

    @Test
    void from_missingEventName_failsNamingIt() {
        Record record = sdkRecord(null, StreamRecord.builder().sequenceNumber("1").build()).build();
        assertThatThrownBy(() -> ChangeRecord.from(record, "s", ARN, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("eventName");
    }

    @Test
    void from_unknownEventName_failsNamingIt() {
        Record record = sdkRecord(null, StreamRecord.builder().sequenceNumber("1").build())
                .eventName("UPSERT").build();
        assertThatThrownBy(() -> ChangeRecord.from(record, "s", ARN, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("eventName");
    }

    @Test
    void from_missingSequenceNumber_failsNamingIt() {
        Record record = sdkRecord(OperationType.INSERT, StreamRecord.builder().keys(KEYS).build()).build();
        assertThatThrownBy(() -> ChangeRecord.from(record, "s", ARN, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SequenceNumber");
    }

    @Test
    void from_nullRecord_fails() {
        assertThatThrownBy(() -> ChangeRecord.from(null, "s", ARN, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("record");
    }

    @Test
    void builder_requiresEventNameAndSequenceNumber() {
        assertThatThrownBy(() -> ChangeRecord.builder().sequenceNumber("1").build())
                .isInstanceOf(NullPointerException.class).hasMessage("eventName");
        assertThatThrownBy(() -> ChangeRecord.builder().eventName(EventName.INSERT).build())
                .isInstanceOf(NullPointerException.class).hasMessage("sequenceNumber");
        assertThatThrownBy(() -> minimal().sequenceNumber("12a").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sequenceNumber").hasMessageContaining("12a");
        assertThatThrownBy(() -> minimal().sequenceNumber("").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sequenceNumber");
    }

    @Test
    void builder_defaultsOptionalFields() {
        ChangeRecord r = minimal().build();
        assertThat(r.eventId()).isEmpty();
        assertThat(r.eventVersion()).isEqualTo("1.1");
        assertThat(r.eventSource()).isEqualTo("aws:dynamodb");
        assertThat(r.awsRegion()).isEmpty();
        assertThat(r.shardId()).isEmpty();
        assertThat(r.streamArn()).isEmpty();
        assertThat(r.keys()).isEmpty();
        assertThat(r.oldImage()).isEmpty();
        assertThat(r.newImage()).isEmpty();
        assertThat(r.checkpoint()).isSameAs(RecordCheckpoint.none());
    }

    @Test
    void builder_copiesImagesSoLaterChangesDoNotLeakIn() {
        java.util.Map<String, AttributeValue> image = new java.util.HashMap<>(IMAGE);
        ChangeRecord r = minimal().newImage(image).build();
        image.put("extra", AttributeValue.fromS("x"));
        assertThat(r.newImage()).isEqualTo(IMAGE);
    }

    @Test
    void toString_showsNoItemContents() {
        ChangeRecord r = minimal().eventId("e-9").shardId("shard-3").keys(KEYS).newImage(IMAGE).oldImage(IMAGE)
                .build();

        assertThat(r.toString())
                .contains("INSERT", "shard-3", "100", "e-9")
                .doesNotContain("secret-key-42", "alice@example.com", "1.50", "email", "price");
    }

    @Test
    void isTimeToLiveDelete_onlyForRemoveByDynamoDbService() {
        Identity ttl = Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build();
        Identity other = Identity.builder().type("Service").principalId("someone.else").build();

        assertThat(minimal().eventName(EventName.REMOVE).userIdentity(ttl).build().isTimeToLiveDelete()).isTrue();
        assertThat(minimal().eventName(EventName.REMOVE).userIdentity(other).build().isTimeToLiveDelete()).isFalse();
        assertThat(minimal().eventName(EventName.REMOVE).build().isTimeToLiveDelete()).isFalse();
        assertThat(minimal().eventName(EventName.MODIFY).userIdentity(ttl).build().isTimeToLiveDelete()).isFalse();
    }

    @Test
    void from_ttlRecord_keepsUserIdentity() {
        Identity ttl = Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build();
        Record record = sdkRecord(OperationType.REMOVE, StreamRecord.builder().keys(KEYS).sequenceNumber("5").build())
                .userIdentity(ttl).build();

        ChangeRecord r = ChangeRecord.from(record, "s", ARN, null);

        assertThat(r.userIdentity()).isEqualTo(ttl);
        assertThat(r.isTimeToLiveDelete()).isTrue();
    }

    @Test
    void equals_comparesIdentityAndContents() {
        ChangeRecord a = minimal().eventId("e").shardId("s").streamArn(ARN).keys(KEYS).newImage(IMAGE).sizeBytes(3)
                .build();
        ChangeRecord same = a.toBuilder().checkpoint(RecordCheckpoint.none()).build();
        ChangeRecord otherSeq = a.toBuilder().sequenceNumber("101").build();
        ChangeRecord otherImage = a.toBuilder().newImage(KEYS).build();
        ChangeRecord otherShard = a.toBuilder().shardId("s2").build();

        assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(a).isNotEqualTo(otherSeq).isNotEqualTo(otherImage).isNotEqualTo(otherShard);
        assertThat(a).isNotEqualTo(null).isNotEqualTo("ChangeRecord");
        assertThat(a).isEqualTo(a);
    }

    @Test
    void toBuilder_roundTripsEveryField() {
        Identity ttl = Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build();
        ChangeRecord a = minimal().eventId("e").eventVersion("1.0").eventSource("src").awsRegion("r").keys(KEYS)
                .oldImage(IMAGE).newImage(IMAGE).sizeBytes(9).streamViewType(StreamViewType.KEYS_ONLY)
                .approximateCreationTime(Instant.EPOCH).userIdentity(ttl).shardId("s").streamArn(ARN).build();

        ChangeRecord b = a.toBuilder().build();

        assertThat(b).usingRecursiveComparison().isEqualTo(a);
    }
}
