package io.github.ddbstreams.sink.opensearch;

import io.github.ddbstreams.record.SequenceNumbers;

/**
 * The painless script of {@link OpenSearchVersioning#SEQUENCE_NUMBER}: applies a change only when its sequence
 * number is above the one stored in the document, and turns a REMOVE into a tombstone.
 *
 * <p>Sequence numbers are compared as strings zero-padded to {@value #WIDTH} digits — the longest sequence
 * number DynamoDB Streams issues (its API gives {@code SequenceNumber} a length of 21 to 40) — where string
 * order is numeric order. An equal sequence number is the same change replayed: a no-op.
 */
final class VersionScript {

    /** The width of a padded sequence number. */
    static final int WIDTH = SequenceNumbers.PADDED_DIGITS;

    static final String PARAM_SEQUENCE_NUMBER = "seq";
    static final String PARAM_DOCUMENT = "doc";
    static final String PARAM_NOW = "now";

    /** Retries of the update inside OpenSearch when two requests in flight touch the same document. */
    static final int RETRY_ON_CONFLICT = 5;

    static final String SOURCE = "def c=ctx._source['" + OpenSearchSink.SEQUENCE_NUMBER_FIELD + "'];"
            + "if(c!=null&&c.compareTo(params.seq)>=0){ctx.op='noop';return;}"
            + "ctx._source.clear();"
            + "if(params.containsKey('doc')){ctx._source.putAll(params.doc);}"
            + "else{ctx._source['" + OpenSearchSink.DELETED_FIELD + "']=true;"
            + "ctx._source['" + OpenSearchSink.DELETED_AT_FIELD + "']=params.now;}"
            + "ctx._source['" + OpenSearchSink.SEQUENCE_NUMBER_FIELD + "']=params.seq;";

    private VersionScript() {
    }

    /**
     * The sequence number without leading zeros, left-padded with zeros to {@value #WIDTH} digits
     * ({@link SequenceNumbers#padded}).
     *
     * @throws IllegalArgumentException if it is not a sequence number or has more than {@value #WIDTH} significant digits
     */
    static String padded(String sequenceNumber) {
        String padded = SequenceNumbers.padded(sequenceNumber);
        if (padded.length() > WIDTH) {
            throw new IllegalArgumentException("sequence number " + sequenceNumber + " has more than " + WIDTH
                    + " digits: it cannot be ordered by the versioning script");
        }
        return padded;
    }
}
