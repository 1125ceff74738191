package io.github.ddbstreams.sink.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class BulkChunksTest {

    private static BulkAction action(int i, int documentLength) {
        ChangeRecord record = ChangeRecord.builder().eventName(EventName.INSERT)
                .keys(Map.of("pk", AttributeValue.fromS("k" + i))).sequenceNumber(Integer.toString(i + 1)).build();
        return BulkAction.upsert(record, "idx", "k" + i, new RawJson("x".repeat(documentLength)), OpenSearchVersioning.NONE);
    }

    private static List<BulkAction> actions(int count, int documentLength) {
        List<BulkAction> actions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            actions.add(action(i, documentLength));
        }
        return actions;
    }

    @Test
    void split_byActionCount_keepsOrderAndFillsChunks() {
        List<BulkAction> actions = actions(1050, 10);

        List<List<BulkAction>> chunks = BulkChunks.split(actions, 500, Long.MAX_VALUE);

        assertThat(chunks).extracting(List::size).containsExactly(500, 500, 50);
        assertThat(chunks.stream().flatMap(List::stream).toList()).containsExactlyElementsOf(actions);
    }

    @Test
    void split_byBytes_neverExceedsTheLimit() {
        List<BulkAction> actions = actions(100, 1000);
        long size = actions.get(0).estimatedBytes();

        List<List<BulkAction>> chunks = BulkChunks.split(actions, 1000, size * 7 + 1);

        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.stream().mapToLong(BulkAction::estimatedBytes).sum())
                .isLessThanOrEqualTo(size * 7 + 1));
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(chunk -> assertThat(chunk).hasSizeBetween(6, 7));
        assertThat(chunks.stream().flatMap(List::stream).toList()).containsExactlyElementsOf(actions);
    }

    @Test
    void split_whenOneDocumentIsLargerThanTheLimit_sendsItAlone() {
        List<BulkAction> actions = List.of(action(0, 10), action(1, 5000), action(2, 10));

        List<List<BulkAction>> chunks = BulkChunks.split(actions, 1000, 2048);

        assertThat(chunks).extracting(List::size).containsExactly(1, 1, 1);
    }

    @Test
    void split_ofNothing_isNoChunk() {
        assertThat(BulkChunks.split(List.of(), 10, 2048)).isEmpty();
    }
}
