package io.github.ddbstreams.sink.opensearch;

/**
 * How {@link OpenSearchSink} keeps a replayed older change from overwriting a newer document.
 *
 * <pre>{@code
 * OpenSearchSinkOptions.builder().endpoint(uri).index("orders").versioning(OpenSearchVersioning.NONE).build();
 * }</pre>
 */
public enum OpenSearchVersioning {

    /**
     * The default: every write is a scripted upsert guarded by the change's sequence number, stored in the
     * document as {@value OpenSearchSink#SEQUENCE_NUMBER_FIELD} (zero-padded to 40 digits, so that string order
     * is numeric order for every sequence number DynamoDB Streams issues — at most 40 digits, far beyond a
     * {@code long}). A change whose sequence number is not above the stored one is a no-op. A REMOVE leaves a
     * tombstone ({@value OpenSearchSink#DELETED_FIELD}{@code =true}, no item fields) so that a replayed older
     * INSERT cannot bring the item back. Works whatever the order of arrival, so a batch's bulk requests may run
     * concurrently.
     */
    SEQUENCE_NUMBER,

    /**
     * Plain index and delete operations, last write wins: a replayed older change does overwrite a newer
     * document (until the newer change is replayed too). Documents hold the item's fields only and deletes
     * really delete. Faster; use when replays are impossible or harmless. The bulk requests of one batch are
     * sent one after the other, in order.
     */
    NONE
}
