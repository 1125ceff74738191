package io.github.ddbstreams.internal;

import java.time.Duration;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.CreateTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * Makes sure a table of this library's (checkpoints, leases, failures) exists with a string partition key
 * and an optional string sort key: checks it, or creates it with on-demand billing, tolerating others
 * creating it at the same time, and waits until it is ACTIVE.
 */
public final class DynamoDbTables {

    private static final Logger log = LoggerFactory.getLogger(DynamoDbTables.class);

    private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);
    private static final BackoffStrategy TABLE_POLL =
            BackoffStrategy.exponentialDelayHalfJitter(Duration.ofMillis(200), Duration.ofSeconds(5));

    private final DynamoDbAsyncClient client;
    private final String tableName;
    private final String purpose;
    private final String partitionKey;
    private final String sortKey;
    private final boolean createIfAbsent;
    private final Duration creationTimeout;

    private DynamoDbTables(DynamoDbAsyncClient client, String tableName, String purpose, String partitionKey,
            String sortKey, boolean createIfAbsent, Duration creationTimeout) {
        this.client = Objects.requireNonNull(client, "client");
        this.tableName = Objects.requireNonNull(tableName, "tableName");
        this.purpose = Objects.requireNonNull(purpose, "purpose");
        this.partitionKey = Objects.requireNonNull(partitionKey, "partitionKey");
        this.sortKey = sortKey;
        this.createIfAbsent = createIfAbsent;
        this.creationTimeout = Objects.requireNonNull(creationTimeout, "creationTimeout");
    }

    private static final java.util.regex.Pattern TABLE_NAME = java.util.regex.Pattern.compile("[a-zA-Z0-9_.-]{3,255}");

    /**
     * Checks a DynamoDB table name.
     *
     * @param field the option's name, for the message
     * @throws IllegalArgumentException naming the option when the name breaks DynamoDB's rules
     */
    public static String requireValidTableName(String tableName, String field) {
        if (tableName == null || !TABLE_NAME.matcher(tableName).matches()) {
            throw new IllegalArgumentException(field + " must be 3 to 255 characters among a-z, A-Z, 0-9, "
                    + "'_', '-' and '.', was " + (tableName == null ? "null" : "'" + tableName + "'"));
        }
        return tableName;
    }

    /**
     * A Mono that checks (or creates) the table once and caches success; a failure is not cached, so the
     * next subscriber tries again.
     *
     * @param purpose a word for messages, e.g. {@code "Checkpoint"}
     * @param sortKey the sort key attribute, or {@code null} for a table with a partition key only
     */
    public static Mono<Void> ready(DynamoDbAsyncClient client, String tableName, String purpose, String partitionKey,
            String sortKey, boolean createIfAbsent, Duration creationTimeout) {
        DynamoDbTables table = new DynamoDbTables(client, tableName, purpose, partitionKey, sortKey, createIfAbsent,
                creationTimeout);
        return Mono.defer(table::prepare).cache(ignored -> FOREVER, error -> Duration.ZERO, () -> FOREVER);
    }

    private Mono<Void> prepare() {
        return Mono.fromFuture(() -> client.describeTable(r -> r.tableName(tableName)))
                .map(DescribeTableResponse::table)
                .onErrorResume(ResourceNotFoundException.class, this::create)
                .flatMap(table -> table.tableStatus() == TableStatus.ACTIVE ? Mono.just(table) : waitUntilActive())
                .doOnNext(this::checkKeySchema)
                .doOnNext(table -> log.debug("{} table '{}' is ready", purpose, tableName))
                .then();
    }

    private String keysDescription() {
        return "partition key " + partitionKey + " (S)" + (sortKey == null ? "" : " and sort key " + sortKey + " (S)");
    }

    private Mono<TableDescription> create(ResourceNotFoundException missing) {
        if (!createIfAbsent) {
            return Mono.error(new IllegalStateException(purpose + " table '" + tableName + "' does not exist and "
                    + "createTableIfAbsent is false: create it (" + keysDescription() + ") or enable createTableIfAbsent",
                    missing));
        }
        CreateTableRequest.Builder request = CreateTableRequest.builder()
                .tableName(tableName)
                .billingMode(BillingMode.PAY_PER_REQUEST);
        if (sortKey == null) {
            request.attributeDefinitions(stringAttribute(partitionKey))
                    .keySchema(key(partitionKey, KeyType.HASH));
        } else {
            request.attributeDefinitions(stringAttribute(partitionKey), stringAttribute(sortKey))
                    .keySchema(key(partitionKey, KeyType.HASH), key(sortKey, KeyType.RANGE));
        }
        return Mono.fromFuture(() -> client.createTable(request.build()))
                .map(CreateTableResponse::tableDescription)
                .doOnNext(table -> log.info("Created {} table '{}'", purpose.toLowerCase(java.util.Locale.ROOT), tableName))
                // Someone else (another store, another process) created it first: use theirs.
                .onErrorResume(ResourceInUseException.class, inUse -> {
                    log.debug("{} table '{}' was created concurrently; waiting until it is active", purpose, tableName);
                    return waitUntilActive();
                });
    }

    private static AttributeDefinition stringAttribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    private Mono<TableDescription> waitUntilActive() {
        return Mono.fromFuture(() -> client.waiter().waitUntilTableExists(
                        r -> r.tableName(tableName),
                        o -> o.backoffStrategyV2(TABLE_POLL).maxAttempts(Integer.MAX_VALUE).waitTimeout(creationTimeout)))
                .flatMap(response -> Mono.justOrEmpty(response.matched().response()))
                .map(DescribeTableResponse::table)
                .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                        purpose + " table '" + tableName + "' did not become ACTIVE")))
                .onErrorMap(SdkClientException.class, e -> new IllegalStateException(
                        purpose + " table '" + tableName + "' did not become ACTIVE within " + creationTimeout, e));
    }

    private void checkKeySchema(TableDescription table) {
        String hashKey = null;
        String rangeKey = null;
        for (KeySchemaElement key : table.keySchema()) {
            if (key.keyType() == KeyType.HASH) {
                hashKey = key.attributeName();
            } else if (key.keyType() == KeyType.RANGE) {
                rangeKey = key.attributeName();
            }
        }
        boolean stringKeys = table.attributeDefinitions().stream()
                .filter(a -> a.attributeName().equals(partitionKey) || a.attributeName().equals(sortKey))
                .allMatch(a -> a.attributeType() == ScalarAttributeType.S);
        if (!partitionKey.equals(hashKey) || !Objects.equals(sortKey, rangeKey) || !stringKeys) {
            throw new IllegalStateException(purpose + " table '" + tableName + "' has key schema "
                    + table.keySchema() + " and attributes " + table.attributeDefinitions()
                    + "; a " + purpose.toLowerCase(java.util.Locale.ROOT) + " table needs " + keysDescription());
        }
    }
}
