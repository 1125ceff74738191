package io.github.ddbstreams.record;

import java.util.Objects;
import java.util.Optional;

/**
 * Reading DynamoDB stream ARNs ({@code arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL}): the one
 * place that parses them, so the receiver's meter tags, the sinks and the Spring Boot starter agree.
 */
public final class StreamArns {

    private static final String TABLE = ":table/";
    private static final String STREAM = "/stream/";

    private StreamArns() {
    }

    /**
     * The table name in a stream ARN, or empty when the ARN has no {@code :table/NAME/stream/} part.
     *
     * <pre>{@code
     * StreamArns.tableName("arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-01-01T00:00:00.000"); // "Orders"
     * }</pre>
     */
    public static Optional<String> tableName(String streamArn) {
        Objects.requireNonNull(streamArn, "streamArn");
        int start = streamArn.indexOf(TABLE);
        int end = start < 0 ? -1 : streamArn.indexOf(STREAM, start + TABLE.length());
        if (start < 0 || end <= start + TABLE.length()) {
            return Optional.empty();
        }
        return Optional.of(streamArn.substring(start + TABLE.length(), end));
    }
}
