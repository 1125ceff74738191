package io.github.ddbstreams.sink.opensearch;

import java.util.ArrayList;
import java.util.List;

/** Splits a batch's actions, in order, into bulk requests of at most so many actions and (estimated) bytes. */
final class BulkChunks {

    private BulkChunks() {
    }

    /**
     * The actions in consecutive chunks: each holds at most {@code maxActions} actions and at most
     * {@code maxBytes} estimated bytes, except that an action larger than {@code maxBytes} goes alone.
     */
    static List<List<BulkAction>> split(List<BulkAction> actions, int maxActions, long maxBytes) {
        List<List<BulkAction>> chunks = new ArrayList<>();
        List<BulkAction> current = new ArrayList<>(Math.min(maxActions, actions.size()));
        long bytes = 0;
        for (BulkAction action : actions) {
            long size = action.estimatedBytes();
            if (!current.isEmpty() && (current.size() >= maxActions || bytes + size > maxBytes)) {
                chunks.add(current);
                current = new ArrayList<>(Math.min(maxActions, actions.size()));
                bytes = 0;
            }
            current.add(action);
            bytes += size;
        }
        if (!current.isEmpty()) {
            chunks.add(current);
        }
        return chunks;
    }
}
