package io.github.ddbstreams.sink.opensearch;

/**
 * OpenSearch rejected one record's bulk action (e.g. a mapping conflict, status 400), or kept answering 429 /
 * 5xx for it after the sink's retries. Reported as that record's failure in the
 * {@link io.github.ddbstreams.sink.BatchResult}. The message holds the status, the server's error type and
 * reason (which may quote a field value) and the index — not the document.
 *
 * <pre>{@code
 * result.failures().forEach(f -> {
 *     if (f.error() instanceof OpenSearchItemException e && e.status() == 400) { ... }
 * });
 * }</pre>
 */
public final class OpenSearchItemException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String errorType;
    private final String index;

    OpenSearchItemException(int status, String errorType, String reason, String index) {
        super("OpenSearch rejected the action on index " + index + ": status " + status + ", " + errorType
                + (reason == null ? "" : ": " + reason));
        this.status = status;
        this.errorType = errorType;
        this.index = index;
    }

    /** The HTTP status of the item, e.g. 400. */
    public int status() {
        return status;
    }

    /** The server's error type, e.g. {@code mapper_parsing_exception}. */
    public String errorType() {
        return errorType;
    }

    /** The index of the action. */
    public String index() {
        return index;
    }

    /** Whether the status is one the sink retries (429 or 5xx, or a version conflict between concurrent updates). */
    public boolean isRetryable() {
        return OpenSearchSink.isRetryableStatus(status);
    }
}
