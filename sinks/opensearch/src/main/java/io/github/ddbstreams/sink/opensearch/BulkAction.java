package io.github.ddbstreams.sink.opensearch;

import java.util.HashMap;
import java.util.Map;

import io.github.ddbstreams.record.ChangeRecord;
import org.opensearch.client.json.JsonData;
import org.opensearch.client.opensearch._types.Script;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;

/**
 * One record's bulk action, prepared (index, id and document resolved, the document serialized) before it is
 * sent, so that a record the sink cannot even build fails alone and requests can be split by size.
 */
final class BulkAction {

    /** Bytes of an action besides its document and names: the action line, the script, the params. */
    static final int OVERHEAD_BYTES = 160;

    private final ChangeRecord record;
    private final String index;
    private final String id;
    private final RawJson document;
    private final OpenSearchVersioning versioning;
    private final long estimatedBytes;

    private BulkAction(ChangeRecord record, String index, String id, RawJson document, OpenSearchVersioning versioning) {
        this.record = record;
        this.index = index;
        this.id = id;
        this.document = document;
        this.versioning = versioning;
        long bytes = OVERHEAD_BYTES + index.length() + id.length() + (document == null ? 0 : document.length());
        if (versioning == OpenSearchVersioning.SEQUENCE_NUMBER) {
            bytes += VersionScript.SOURCE.length();
        }
        this.estimatedBytes = bytes;
    }

    /** Indexes (or, when versioned, upserts) {@code document}. */
    static BulkAction upsert(ChangeRecord record, String index, String id, RawJson document, OpenSearchVersioning versioning) {
        return new BulkAction(record, index, id, document, versioning);
    }

    /** Deletes (or, when versioned, replaces with a tombstone) the document. */
    static BulkAction delete(ChangeRecord record, String index, String id, OpenSearchVersioning versioning) {
        return new BulkAction(record, index, id, null, versioning);
    }

    ChangeRecord record() {
        return record;
    }

    String index() {
        return index;
    }

    String id() {
        return id;
    }

    boolean isDelete() {
        return document == null;
    }

    long estimatedBytes() {
        return estimatedBytes;
    }

    /** The bulk operation; {@code nowMillis} is the tombstone's {@value OpenSearchSink#DELETED_AT_FIELD}. */
    BulkOperation toOperation(long nowMillis) {
        if (versioning == OpenSearchVersioning.NONE) {
            if (document == null) {
                return BulkOperation.of(o -> o.delete(d -> d.index(index).id(id)));
            }
            return BulkOperation.of(o -> o.<RawJson>index(i -> i.index(index).id(id).document(document)));
        }
        Map<String, JsonData> params = new HashMap<>(4);
        params.put(VersionScript.PARAM_SEQUENCE_NUMBER, JsonData.of(VersionScript.padded(record.sequenceNumber())));
        if (document != null) {
            params.put(VersionScript.PARAM_DOCUMENT, document);
        } else {
            params.put(VersionScript.PARAM_NOW, JsonData.of(nowMillis));
        }
        Script script = Script.of(s -> s.inline(i -> i.source(VersionScript.SOURCE).params(params)));
        return BulkOperation.of(o -> o.<RawJson>update(u -> u.index(index).id(id)
                .retryOnConflict(VersionScript.RETRY_ON_CONFLICT)
                .scriptedUpsert(true)
                .upsert(RawJson.EMPTY_OBJECT)
                .script(script)));
    }
}
