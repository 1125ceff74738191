package io.github.ddbstreams.operators.errors;

import io.github.ddbstreams.operators.errors.FailedRecord.Reason;

/**
 * What {@link ErrorHandling} reports to meters. The Micrometer implementation is only loaded when a meter
 * registry is set, so core works without Micrometer on the classpath.
 */
interface ErrorHandlingMetrics {

    /** No meters. */
    ErrorHandlingMetrics NONE = new ErrorHandlingMetrics() {
    };

    static ErrorHandlingMetrics of(ErrorHandlingOptions options) {
        return options.meterRegistry() == null ? NONE : new MicrometerErrorHandlingMetrics(options);
    }

    /** A failed attempt of {@code records} records that will be retried. */
    default void retried(int records) {
    }

    /** Records given up and stored in the failure destination. */
    default void givenUp(Reason reason, int records) {
    }

    /** The batch {@code owner} has been failing since {@code sinceMillis} (scheduler clock). */
    default void failingSince(Object owner, long sinceMillis) {
    }

    /** The batch {@code owner} made progress or is done. */
    default void notFailing(Object owner) {
    }
}
