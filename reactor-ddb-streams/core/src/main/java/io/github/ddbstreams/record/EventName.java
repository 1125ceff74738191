package io.github.ddbstreams.record;

import java.util.Objects;

import software.amazon.awssdk.services.dynamodb.model.OperationType;

/** The kind of change a {@link ChangeRecord} describes, as DynamoDB Streams names it. */
public enum EventName {
    /** A new item was added to the table. */
    INSERT,
    /** One or more attributes of an existing item were changed. */
    MODIFY,
    /** An item was deleted from the table (including deletes by TTL). */
    REMOVE;

    /**
     * Maps the SDK's operation type.
     *
     * @throws IllegalArgumentException for an operation type this library does not know
     */
    public static EventName from(OperationType type) {
        Objects.requireNonNull(type, "type");
        switch (type) {
            case INSERT:
                return INSERT;
            case MODIFY:
                return MODIFY;
            case REMOVE:
                return REMOVE;
            default:
                throw new IllegalArgumentException("Unknown DynamoDB Streams eventName: " + type
                        + " (this library knows INSERT, MODIFY and REMOVE)");
        }
    }
}
