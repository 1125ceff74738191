package io.github.ddbstreams.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

class DynamoDbCheckpointStoreOptionsTest {

    /** A client that is never called: building options makes no request. */
    private static final DynamoDbAsyncClient CLIENT = new DynamoDbAsyncClient() {
        @Override
        public String serviceName() {
            return SERVICE_NAME;
        }

        @Override
        public void close() {
        }
    };

    @Test
    void build_withRequiredFields_appliesDefaults() {
        DynamoDbCheckpointStoreOptions options = DynamoDbCheckpointStoreOptions.builder()
                .client(CLIENT).tableName("orders-checkpoints").build();

        assertThat(options.client()).isSameAs(CLIENT);
        assertThat(options.tableName()).isEqualTo("orders-checkpoints");
        assertThat(options.createTableIfAbsent()).isEqualTo(DynamoDbCheckpointStoreOptions.DEFAULT_CREATE_TABLE_IF_ABSENT)
                .isTrue();
        assertThat(options.tableCreationTimeout())
                .isEqualTo(DynamoDbCheckpointStoreOptions.DEFAULT_TABLE_CREATION_TIMEOUT)
                .isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void toBuilder_copiesEveryField_andLeavesOriginalUnchanged() {
        DynamoDbCheckpointStoreOptions original = DynamoDbCheckpointStoreOptions.builder()
                .client(CLIENT).tableName("a-table").createTableIfAbsent(false)
                .tableCreationTimeout(Duration.ofSeconds(5)).build();

        DynamoDbCheckpointStoreOptions copy = original.toBuilder().build();
        DynamoDbCheckpointStoreOptions changed = original.toBuilder().tableName("b-table").build();

        assertThat(copy).usingRecursiveComparison().isEqualTo(original);
        assertThat(changed.tableName()).isEqualTo("b-table");
        assertThat(changed.createTableIfAbsent()).isFalse();
        assertThat(changed.tableCreationTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(original.tableName()).isEqualTo("a-table");
    }

    @Test
    void build_withoutClient_namesClient() {
        assertThatThrownBy(() -> DynamoDbCheckpointStoreOptions.builder().tableName("orders").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("client is required");
    }

    @Test
    void build_withoutTableName_namesTableName() {
        assertThatThrownBy(() -> DynamoDbCheckpointStoreOptions.builder().client(CLIENT).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("tableName is required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ab", "has space", "slash/name", "ünïcode", "colon:name"})
    void build_withInvalidTableName_namesTableNameAndValue(String tableName) {
        assertThatThrownBy(() -> DynamoDbCheckpointStoreOptions.builder().client(CLIENT).tableName(tableName).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tableName must be 3 to 255 characters")
                .hasMessageContaining("'" + tableName + "'");
    }

    @Test
    void build_withTooLongTableName_fails() {
        String tooLong = "t".repeat(256);
        assertThatThrownBy(() -> DynamoDbCheckpointStoreOptions.builder().client(CLIENT).tableName(tooLong).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tableName");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "My_Table-1.checkpoints", "___"})
    void build_withValidTableName_accepts(String tableName) {
        assertThat(DynamoDbCheckpointStoreOptions.builder().client(CLIENT).tableName(tableName).build().tableName())
                .isEqualTo(tableName);
        assertThat(DynamoDbCheckpointStoreOptions.builder().client(CLIENT).tableName("t".repeat(255)).build())
                .isNotNull();
    }

    @Test
    void build_withNonPositiveTimeout_namesTableCreationTimeout() {
        DynamoDbCheckpointStoreOptions.Builder builder = DynamoDbCheckpointStoreOptions.builder()
                .client(CLIENT).tableName("orders");

        assertThatThrownBy(() -> builder.tableCreationTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tableCreationTimeout must be positive, was PT0S");
        assertThatThrownBy(() -> builder.tableCreationTimeout(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tableCreationTimeout must be positive");
    }

    @Test
    void setters_rejectNull_namingTheField() {
        DynamoDbCheckpointStoreOptions.Builder builder = DynamoDbCheckpointStoreOptions.builder();
        assertThatThrownBy(() -> builder.client(null)).isInstanceOf(NullPointerException.class).hasMessage("client");
        assertThatThrownBy(() -> builder.tableName(null)).isInstanceOf(NullPointerException.class).hasMessage("tableName");
        assertThatThrownBy(() -> builder.tableCreationTimeout(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("tableCreationTimeout");
    }

    @Test
    void toString_showsSettings() {
        DynamoDbCheckpointStoreOptions options = DynamoDbCheckpointStoreOptions.builder()
                .client(CLIENT).tableName("orders-checkpoints").build();

        assertThat(options.toString())
                .startsWith("DynamoDbCheckpointStoreOptions{")
                .contains("tableName=orders-checkpoints", "createTableIfAbsent=true", "tableCreationTimeout=PT2M");
    }
}
