package io.github.ddbstreams.operators.errors;

import io.github.ddbstreams.internal.DynamoDbTables;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import io.github.ddbstreams.internal.OptionsSupport;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * Options of a {@link DynamoDbFailureDestination}: immutable; made with {@link #builder()}.
 *
 * <pre>{@code
 * DynamoDbFailureDestinationOptions options = DynamoDbFailureDestinationOptions.builder()
 *     .client(dynamoDb)
 *     .tableName("orders-indexer-failures")
 *     .timeToLive("expiresAt", Duration.ofDays(14))
 *     .build();
 * }</pre>
 */
public final class DynamoDbFailureDestinationOptions {

    /** By default the table is created (on-demand billing) on first use when it does not exist. */
    public static final boolean DEFAULT_CREATE_TABLE_IF_ABSENT = true;

    /** By default a table being created must become active within 2 minutes. */
    public static final Duration DEFAULT_TABLE_CREATION_TIMEOUT = Duration.ofMinutes(2);

    /** By default error messages are truncated to 1024 characters. */
    public static final int DEFAULT_MAX_ERROR_MESSAGE_LENGTH = 1024;

    /** DynamoDB's rule for table and attribute names used here. */

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;

    private DynamoDbFailureDestinationOptions(Builder b) {
        this.s = b.copy();
    }

    /** A builder with every option at its default; {@code client} and {@code tableName} must be set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive modified ones. */
    public Builder toBuilder() {
        return s.copy();
    }

    /** The client; the user owns it and the destination never closes it. */
    public DynamoDbAsyncClient client() {
        return s.client;
    }

    /** The table of failed records. */
    public String tableName() {
        return s.tableName;
    }

    /** Whether the table is created on first use when it does not exist. */
    public boolean createTableIfAbsent() {
        return s.createTableIfAbsent;
    }

    /** How long a table being created may take to become active. */
    public Duration tableCreationTimeout() {
        return s.tableCreationTimeout;
    }

    /** The time-to-live attribute (epoch seconds) written on each item; empty: items never expire. */
    public Optional<String> timeToLiveAttributeName() {
        return Optional.ofNullable(s.timeToLiveAttributeName);
    }

    /** How long after {@code failedAt} an item expires, when a time-to-live attribute is set. */
    public Optional<Duration> timeToLive() {
        return Optional.ofNullable(s.timeToLive);
    }

    /** Error messages longer than this are truncated. */
    public int maxErrorMessageLength() {
        return s.maxErrorMessageLength;
    }

    @Override
    public String toString() {
        return "DynamoDbFailureDestinationOptions{tableName=" + s.tableName + ", createTableIfAbsent=" + s.createTableIfAbsent
                + ", tableCreationTimeout=" + s.tableCreationTimeout + ", timeToLiveAttributeName=" + s.timeToLiveAttributeName
                + ", timeToLive=" + s.timeToLive + ", maxErrorMessageLength=" + s.maxErrorMessageLength
                + ", client=" + s.client.getClass().getSimpleName() + "}";
    }

    /** Builds {@link DynamoDbFailureDestinationOptions}. Not thread-safe. */
    public static final class Builder implements Cloneable {

        private DynamoDbAsyncClient client;
        private String tableName;
        private boolean createTableIfAbsent = DEFAULT_CREATE_TABLE_IF_ABSENT;
        private Duration tableCreationTimeout = DEFAULT_TABLE_CREATION_TIMEOUT;
        private String timeToLiveAttributeName;
        private Duration timeToLive;
        private int maxErrorMessageLength = DEFAULT_MAX_ERROR_MESSAGE_LENGTH;

        private Builder() {
        }

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            return OptionsSupport.copy(this::clone);
        }

        /** The client to use (required). The destination never closes it. */
        public Builder client(DynamoDbAsyncClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /** The table (required): 3 to 255 characters among {@code a-z A-Z 0-9 _ - .}. */
        public Builder tableName(String tableName) {
            this.tableName = Objects.requireNonNull(tableName, "tableName");
            return this;
        }

        /** Whether to create the table (on-demand billing) when it does not exist; default true. */
        public Builder createTableIfAbsent(boolean createTableIfAbsent) {
            this.createTableIfAbsent = createTableIfAbsent;
            return this;
        }

        /** How long a table being created may take to become active; positive; default 2 minutes. */
        public Builder tableCreationTimeout(Duration tableCreationTimeout) {
            this.tableCreationTimeout = Objects.requireNonNull(tableCreationTimeout, "tableCreationTimeout");
            return this;
        }

        /**
         * Writes {@code attributeName} (epoch seconds, {@code failedAt + timeToLive}) on each item and enables
         * DynamoDB time to live on it when the table has none; by default items never expire.
         */
        public Builder timeToLive(String attributeName, Duration timeToLive) {
            this.timeToLiveAttributeName = Objects.requireNonNull(attributeName, "attributeName");
            this.timeToLive = Objects.requireNonNull(timeToLive, "timeToLive");
            return this;
        }

        /** Error messages longer than this many characters are truncated; at least 16; default 1024. */
        public Builder maxErrorMessageLength(int maxErrorMessageLength) {
            this.maxErrorMessageLength = maxErrorMessageLength;
            return this;
        }

        /**
         * Validates and builds the options.
         *
         * @throws IllegalStateException if {@code client} or {@code tableName} was not set
         * @throws IllegalArgumentException naming the offending option
         */
        public DynamoDbFailureDestinationOptions build() {
            if (client == null) {
                throw new IllegalStateException("client is required: set a DynamoDbAsyncClient with client(...)");
            }
            if (tableName == null) {
                throw new IllegalStateException("tableName is required: set the failure table with tableName(...)");
            }
            DynamoDbTables.requireValidTableName(tableName, "tableName");
            OptionsSupport.requirePositive(tableCreationTimeout, "tableCreationTimeout");
            if (timeToLiveAttributeName != null) {
                if (timeToLiveAttributeName.isEmpty() || DynamoDbFailureDestination.ATTRIBUTES.contains(timeToLiveAttributeName)) {
                    throw new IllegalArgumentException("timeToLive attributeName must be non-empty and not one of "
                            + DynamoDbFailureDestination.ATTRIBUTES + ", was '" + timeToLiveAttributeName + "'");
                }
                OptionsSupport.requirePositive(timeToLive, "timeToLive");
            }
            OptionsSupport.require(maxErrorMessageLength >= 16, "maxErrorMessageLength",
                    "be at least 16", maxErrorMessageLength);
            return new DynamoDbFailureDestinationOptions(this);
        }
    }
}
