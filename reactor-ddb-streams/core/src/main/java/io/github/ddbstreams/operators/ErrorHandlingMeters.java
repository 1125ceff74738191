package io.github.ddbstreams.operators;

/**
 * The meters of {@link ErrorHandling}, all tagged {@code name} (the operator's
 * {@link ErrorHandlingOptions#name() name}); shard ids are never tags.
 */
enum ErrorHandlingMeters {

    /** Failed attempts that are retried, counted per record. */
    RETRIES("ddb.streams.errors.retries", "counter", "records", "Failed record attempts that will be retried"),
    /** Records given up and stored in the failure destination; tag {@code reason}. */
    FAILED_RECORDS("ddb.streams.errors.failed.records", "counter", "records",
            "Records given up and stored in the failure destination"),
    /** How long the batch failing the longest has been failing; 0 when none fails. */
    RETRYING_DURATION_MAX("ddb.streams.errors.retrying.duration.max", "gauge", "seconds",
            "How long the longest-failing batch has been failing without progress");

    private final String meterName;
    private final String type;
    private final String unit;
    private final String description;

    ErrorHandlingMeters(String meterName, String type, String unit, String description) {
        this.meterName = meterName;
        this.type = type;
        this.unit = unit;
        this.description = description;
    }

    String meterName() {
        return meterName;
    }

    String type() {
        return type;
    }

    String unit() {
        return unit;
    }

    String description() {
        return description;
    }
}
