package io.github.ddbstreams.checkpoint;

import io.github.ddbstreams.internal.DynamoDbTables;
import java.time.Duration;
import java.util.Objects;

import io.github.ddbstreams.internal.OptionsSupport;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * Options of a {@link DynamoDbCheckpointStore}: immutable; made with {@link #builder()}.
 *
 * <pre>{@code
 * DynamoDbCheckpointStoreOptions options = DynamoDbCheckpointStoreOptions.builder()
 *     .client(dynamoDb)
 *     .tableName("orders-indexer-checkpoints")
 *     .build();
 * }</pre>
 */
public final class DynamoDbCheckpointStoreOptions {

    /** By default the checkpoint table is created (on-demand billing) on first use when it does not exist. */
    public static final boolean DEFAULT_CREATE_TABLE_IF_ABSENT = true;

    /** By default a table being created must become active within 2 minutes. */
    public static final Duration DEFAULT_TABLE_CREATION_TIMEOUT = Duration.ofMinutes(2);

    /** DynamoDB's rule for table names: 3 to 255 characters among {@code a-z A-Z 0-9 _ - .}. */

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;

    private DynamoDbCheckpointStoreOptions(Builder b) {
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

    /** The client the store uses; the user owns it and the store never closes it. */
    public DynamoDbAsyncClient client() {
        return s.client;
    }

    /** The name of the checkpoint table. */
    public String tableName() {
        return s.tableName;
    }

    /** Whether the table is created on first use when it does not exist. */
    public boolean createTableIfAbsent() {
        return s.createTableIfAbsent;
    }

    /** How long a table being created (by this store or another) may take to become active. */
    public Duration tableCreationTimeout() {
        return s.tableCreationTimeout;
    }

    @Override
    public String toString() {
        return "DynamoDbCheckpointStoreOptions{tableName=" + s.tableName
                + ", createTableIfAbsent=" + s.createTableIfAbsent
                + ", tableCreationTimeout=" + s.tableCreationTimeout
                + ", client=" + s.client.getClass().getSimpleName() + "}";
    }

    /** Builds {@link DynamoDbCheckpointStoreOptions}. Not thread-safe. */
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
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * The checkpoint table (required): 3 to 255 characters among {@code a-z A-Z 0-9 _ - .}. Give each
         * application its own table, or at least its own store.
         */
        public Builder tableName(String tableName) {
            this.tableName = Objects.requireNonNull(tableName, "tableName");
            return this;
        }

        /**
         * Whether to create the table (on-demand billing) on first use when it does not exist; default
         * {@value DynamoDbCheckpointStoreOptions#DEFAULT_CREATE_TABLE_IF_ABSENT}. When {@code false} and
         * the table is missing, every operation of the store fails.
         */
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
         * Validates and builds the options.
         *
         * @throws IllegalStateException if {@code client} or {@code tableName} was not set
         * @throws IllegalArgumentException if {@code tableName} breaks DynamoDB's naming rules or
         *     {@code tableCreationTimeout} is not positive
         */
        public DynamoDbCheckpointStoreOptions build() {
            if (client == null) {
                throw new IllegalStateException("client is required: set a DynamoDbAsyncClient with client(...)");
            }
            if (tableName == null) {
                throw new IllegalStateException("tableName is required: set the checkpoint table with tableName(...)");
            }
            DynamoDbTables.requireValidTableName(tableName, "tableName");
            OptionsSupport.requirePositive(tableCreationTimeout, "tableCreationTimeout");
            return new DynamoDbCheckpointStoreOptions(this);
        }
    }
}
