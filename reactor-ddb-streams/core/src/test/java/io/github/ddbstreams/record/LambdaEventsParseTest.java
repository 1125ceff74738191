package io.github.ddbstreams.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

class LambdaEventsParseTest {

    @Test
    void fromLambdaEventJson_ofAnyRecord_readsBackTheSameRecord() {
        ChangeRecord record = ChangeRecord.builder()
                .eventId("e-1").eventName(EventName.REMOVE).awsRegion("eu-west-1")
                .keys(Map.of("pk", AttributeValue.fromN("1.50")))
                .oldImage(Map.of("pk", AttributeValue.fromN("1.50"),
                        "b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, 1, (byte) 255})),
                        "bs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {7}))),
                        "ss", AttributeValue.fromSs(List.of("a", "b")), "ns", AttributeValue.fromNs(List.of("1", "2e3")),
                        "nul", AttributeValue.fromNul(true), "bool", AttributeValue.fromBool(false),
                        "l", AttributeValue.fromL(List.of(AttributeValue.fromS("x"),
                                AttributeValue.fromM(Map.of("deep", AttributeValue.fromS("y")))))))
                .sequenceNumber("123456789012345678901234567890").sizeBytes(321)
                .streamViewType(StreamViewType.OLD_IMAGE)
                .approximateCreationTime(Instant.parse("2026-12-04T10:00:00Z"))
                .userIdentity(Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build())
                .streamArn("arn:stream").shardId("shardId-1")
                .build();

        ChangeRecord read = ChangeRecord.fromLambdaEventJson(record.toLambdaEventJson());

        assertThat(read.shardId()).isEmpty();
        assertThat(read.toBuilder().shardId("shardId-1").build()).isEqualTo(record);
        assertThat(read.toLambdaEventJson()).isEqualTo(record.toLambdaEventJson());
        assertThat(read.userIdentity()).isEqualTo(record.userIdentity());
        assertThat(read.streamViewType()).isEqualTo(StreamViewType.OLD_IMAGE);
        assertThat(read.approximateCreationTime()).isEqualTo(record.approximateCreationTime());
        assertThat(read.checkpoint()).isSameAs(RecordCheckpoint.none());
    }

    @Test
    void fromLambdaEventJson_ofSomethingElse_failsNamingTheField() {
        assertThatThrownBy(() -> ChangeRecord.fromLambdaEventJson("[]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be an object");
        assertThatThrownBy(() -> ChangeRecord.fromLambdaEventJson("{\"eventName\":\"INSERT\"}"))
                .hasMessageContaining("'dynamodb'");
        assertThatThrownBy(() -> ChangeRecord.fromLambdaEventJson("{\"eventName\":\"INSERT\",\"dynamodb\":{}}"))
                .hasMessageContaining("dynamodb.SequenceNumber");
        assertThatThrownBy(() -> ChangeRecord.fromLambdaEventJson(
                "{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\",\"Keys\":{\"pk\":{\"Q\":\"1\"}}}}"))
                .hasMessageContaining("dynamodb.Keys.pk");
        assertThatThrownBy(() -> ChangeRecord.fromLambdaEventJson("{")).isInstanceOf(IllegalArgumentException.class);
    }
}
