package io.github.ddbstreams.backfill;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

import io.github.ddbstreams.internal.OptionsSupport;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * Options of a {@link DynamoDbBackfillPositionStore}: immutable; made with {@link #builder()}.
 *
 * <pre>{@code
 * DynamoDbBackfillPositionStoreOptions options = DynamoDbBackfillPositionStoreOptions.builder()
 *     .client(dynamoDb)
 *     .tableName("orders-backfill-positions")
 *     .build();
 * }</pre>
 */
public final class DynamoDbBackfillPositionStoreOptions {

    /** By default the position table is created (on-demand billing) on first use when it does not exist. */
    public static final boolean DEFAULT_CREATE_TABLE_IF_ABSENT = true;

    /** By default a table being created must become active within 2 minutes. */
    public static final Duration DEFAULT_TABLE_CREATION_TIMEOUT = Duration.ofMinutes(2);

    private static final Pattern TABLE_NAME = Pattern.compile("[a-zA-Z0-9_.-]{3,255}");

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;

    private DynamoDbBackfillPositionStoreOptions(Builder b) {
        this.s = b.copy();
    }

    /** A builder with every option at its default; {@code client} and {@code tableName} must be set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        return s.copy();
    }

    /** The client the store uses; the user owns it and the store never closes it. */
    public DynamoDbAsyncClient client() {
        return s.client;
    }

    /** The name of the position table. */
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

    @Override
    public String toString() {
        return "DynamoDbBackfillPositionStoreOptions{tableName=" + s.tableName + ", createTableIfAbsent="
                + s.createTableIfAbsent + ", tableCreationTimeout=" + s.tableCreationTimeout + "}";
    }

    /** Builds {@link DynamoDbBackfillPositionStoreOptions}. Not thread-safe. */
    public static final class Builder implements Cloneable {
        private DynamoDbAsyncClient client;
        private String tableName;
        private boolean createTableIfAbsent = DEFAULT_CREATE_TABLE_IF_ABSENT;
        private Duration tableCreationTimeout = DEFAULT_TABLE_CREATION_TIMEOUT;

        private Builder() {
        }

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            return OptionsSupport.copy(this::clone);
        }

        /** The client to use (required). The store never closes it. */
        public Builder client(DynamoDbAsyncClient client) {
            this.client = client;
            return this;
        }

        /** The position table (required): 3 to 255 characters among {@code a-z A-Z 0-9 _ - .}. */
        public Builder tableName(String tableName) {
            this.tableName = tableName;
            return this;
        }

        /** Whether to create the table on first use when it does not exist; default true. */
        public Builder createTableIfAbsent(boolean createTableIfAbsent) {
            this.createTableIfAbsent = createTableIfAbsent;
            return this;
        }

        /** How long a table being created may take to become active; positive; default 2 minutes. */
        public Builder tableCreationTimeout(Duration tableCreationTimeout) {
            this.tableCreationTimeout = tableCreationTimeout;
            return this;
        }

        /**
         * Validates and builds the options.
         *
         * @throws NullPointerException naming {@code client}, {@code tableName} or {@code tableCreationTimeout}
         *     when missing
         * @throws IllegalArgumentException naming the option that breaks a rule
         */
        public DynamoDbBackfillPositionStoreOptions build() {
            Objects.requireNonNull(client, "client is required: set a DynamoDbAsyncClient with client(...)");
            Objects.requireNonNull(tableName, "tableName is required: set the position table with tableName(...)");
            if (!TABLE_NAME.matcher(tableName).matches()) {
                throw new IllegalArgumentException("tableName must be 3 to 255 characters among a-z, A-Z, 0-9, "
                        + "'_', '-' and '.', was '" + tableName + "'");
            }
            Objects.requireNonNull(tableCreationTimeout, "tableCreationTimeout");
            OptionsSupport.requirePositive(tableCreationTimeout, "tableCreationTimeout");
            return new DynamoDbBackfillPositionStoreOptions(this);
        }
    }
}
