package io.github.ddbstreams.record;

import java.util.Objects;
import java.util.Optional;

import software.amazon.awssdk.arns.Arn;
import software.amazon.awssdk.arns.ArnResource;

/**
 * Reading DynamoDB stream ARNs ({@code arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL}): the one
 * place that takes them apart (with the AWS SDK's {@link Arn} parser), so the receiver's meter tags, the lease
 * table import, the sinks and the Spring Boot starter agree.
 */
public final class StreamArns {

    private static final String TABLE = "table";
    private static final String STREAM = "stream/";

    private StreamArns() {
    }

    /**
     * The table name in a stream ARN, or empty when the ARN has no {@code table/NAME/stream/LABEL} resource.
     *
     * <pre>{@code
     * StreamArns.tableName("arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-01-01T00:00:00.000"); // "Orders"
     * }</pre>
     */
    public static Optional<String> tableName(String streamArn) {
        return streamResource(streamArn).map(ArnResource::resource);
    }

    /**
     * The stream label in a stream ARN (the stream's creation time), or empty when the ARN has no
     * {@code table/NAME/stream/LABEL} resource.
     *
     * <pre>{@code
     * StreamArns.streamLabel("arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-01-01T00:00:00.000"); // "2024-01-01T00:00:00.000"
     * }</pre>
     */
    public static Optional<String> streamLabel(String streamArn) {
        return streamResource(streamArn).map(resource -> resource.qualifier().orElseThrow().substring(STREAM.length()));
    }

    private static Optional<ArnResource> streamResource(String streamArn) {
        Objects.requireNonNull(streamArn, "streamArn");
        ArnResource resource;
        try {
            resource = Arn.fromString(streamArn).resource();
        } catch (IllegalArgumentException notAnArn) {
            return Optional.empty();
        }
        boolean stream = resource.resourceType().filter(TABLE::equals).isPresent()
                && !resource.resource().isEmpty()
                && resource.qualifier().filter(q -> q.startsWith(STREAM) && q.length() > STREAM.length()).isPresent();
        return stream ? Optional.of(resource) : Optional.empty();
    }
}
