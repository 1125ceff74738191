package io.github.ddbstreams.sink.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

class ReplicaWritesTest {

    private static final Map<String, AttributeValue> KEY = Map.of("pk", AttributeValue.fromS("k1"));
    private static final String SEQ_21 = "000000000000000000042";
    private static final String ENCODED = "0".repeat(38) + "42";

    private static ReplicaTableSinkOptions.Builder options() {
        return ReplicaTableSinkOptions.builder().region(Region.US_EAST_1).tableName("replica");
    }

    private static ChangeRecord record(EventName type, Map<String, AttributeValue> newImage) {
        return ChangeRecord.builder().eventName(type).sequenceNumber(SEQ_21).keys(KEY).newImage(newImage)
                .shardId("shard-1").streamArn("arn:stream").build();
    }

    @Test
    void writeFor_insert_putsTheNewImageWithTheSequenceAttributeConditionally() {
        Map<String, AttributeValue> image = Map.of("pk", AttributeValue.fromS("k1"), "v", AttributeValue.fromN("1"),
                "_ddbstreams_deleted", AttributeValue.fromBool(true));
        ReplicaWrites.Write write = new ReplicaWrites(options().build()).writeFor(record(EventName.INSERT, image), 0);

        PutItemRequest put = ((ReplicaWrites.Put) write).request();
        assertThat(put.tableName()).isEqualTo("replica");
        assertThat(put.item()).isEqualTo(Map.of("pk", AttributeValue.fromS("k1"), "v", AttributeValue.fromN("1"),
                "_ddbstreams_seq", AttributeValue.fromS(ENCODED)));
        assertThat(put.conditionExpression()).isEqualTo("attribute_not_exists(#seq) OR #seq < :seq");
        assertThat(put.expressionAttributeNames()).isEqualTo(Map.of("#seq", "_ddbstreams_seq"));
        assertThat(put.expressionAttributeValues()).isEqualTo(Map.of(":seq", AttributeValue.fromS(ENCODED)));
    }

    @Test
    void writeFor_removeInTombstoneMode_putsKeySequenceMarkerAndExpiry() {
        ReplicaWrites writes = new ReplicaWrites(options().sequenceNumberAttributeName("pos")
                .tombstoneTimeToLive("expiresAt", Duration.ofHours(25)).build());
        PutItemRequest put = ((ReplicaWrites.Put) writes.writeFor(record(EventName.REMOVE, Map.of()), 1_000)).request();

        assertThat(put.item()).isEqualTo(Map.of("pk", AttributeValue.fromS("k1"), "pos", AttributeValue.fromS(ENCODED),
                "_ddbstreams_deleted", AttributeValue.fromBool(true),
                "expiresAt", AttributeValue.fromN(Long.toString(1_000 + 25 * 3600))));
        assertThat(put.conditionExpression()).isEqualTo(ReplicaWrites.CONDITION);
        assertThat(put.expressionAttributeNames()).isEqualTo(Map.of("#seq", "pos"));
    }

    @Test
    void writeFor_removeInDeleteMode_deletesConditionally() {
        ReplicaWrites writes = new ReplicaWrites(options().removeMode(RemoveMode.DELETE).build());
        DeleteItemRequest delete = ((ReplicaWrites.Delete) writes.writeFor(record(EventName.REMOVE, Map.of()), 0)).request();

        assertThat(delete.key()).isEqualTo(KEY);
        assertThat(delete.conditionExpression()).isEqualTo(ReplicaWrites.CONDITION);
        assertThat(delete.expressionAttributeValues()).isEqualTo(Map.of(":seq", AttributeValue.fromS(ENCODED)));
    }

    @Test
    void writeFor_withTransformer_transformsImagesAndKeysAndSkipsOnNull() {
        ItemTransformer transformer = (record, item) -> {
            if (item.containsKey("skip")) {
                return null;
            }
            Map<String, AttributeValue> copy = new HashMap<>(item);
            copy.put("id", copy.remove("pk"));
            copy.remove("secret");
            return copy;
        };
        ReplicaWrites writes = new ReplicaWrites(options().itemTransformer(transformer).build());
        PutItemRequest put = ((ReplicaWrites.Put) writes.writeFor(record(EventName.MODIFY,
                Map.of("pk", AttributeValue.fromS("k1"), "secret", AttributeValue.fromS("s"))), 0)).request();
        assertThat(put.item()).containsOnlyKeys("id", "_ddbstreams_seq");

        PutItemRequest tombstone = ((ReplicaWrites.Put) writes.writeFor(record(EventName.REMOVE, Map.of()), 0)).request();
        assertThat(tombstone.item()).containsOnlyKeys("id", "_ddbstreams_seq", "_ddbstreams_deleted");

        assertThat(writes.writeFor(record(EventName.INSERT, Map.of("pk", AttributeValue.fromS("k1"),
                "skip", AttributeValue.fromBool(true))), 0)).isNull();
    }

    @Test
    void writeFor_whenModifyHasNoNewImage_explainsTheViewType() {
        ReplicaWrites writes = new ReplicaWrites(options().build());
        assertThatThrownBy(() -> writes.writeFor(record(EventName.MODIFY, Map.of()), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NEW_AND_OLD_IMAGES");
    }
}
