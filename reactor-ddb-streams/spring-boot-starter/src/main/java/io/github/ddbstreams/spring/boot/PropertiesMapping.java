package io.github.ddbstreams.spring.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStoreOptions;
import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StartPosition;
import io.github.ddbstreams.record.StreamArns;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.beans.BeansException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * Properties to the library's option builders. The builders validate; their messages name builder options
 * ({@code pollInterval}), which are translated here to the property that set them
 * ({@code ddb.streams.poll-interval}), so a startup failure says which line of the configuration is wrong.
 */
final class PropertiesMapping {

    private static final String P = DynamoDbStreamsProperties.PREFIX + ".";

    /** Builder option names of ReceiverOptions, by the property that sets them. */
    private static final Map<String, String> RECEIVER_NAMES = new LinkedHashMap<>();
    /** Builder option names of LeaseOptions. */
    private static final Map<String, String> LEASE_NAMES = new LinkedHashMap<>();
    /** Builder option names of DynamoDbCheckpointStoreOptions. */
    private static final Map<String, String> CHECKPOINT_NAMES = new LinkedHashMap<>();

    static {
        RECEIVER_NAMES.put("maxRecordsPerRequest", P + "max-records-per-request");
        RECEIVER_NAMES.put("shardDiscoveryInterval", P + "shard-discovery-interval");
        RECEIVER_NAMES.put("minPollInterval", P + "min-poll-interval");
        RECEIVER_NAMES.put("pollInterval", P + "poll-interval");
        RECEIVER_NAMES.put("idlePollInterval", P + "idle-poll-interval");
        RECEIVER_NAMES.put("idleAfter", P + "idle-after");
        RECEIVER_NAMES.put("pacing", P + "pacing");
        RECEIVER_NAMES.put("readRequestPricePerMillion", P + "read-request-price-per-million");
        RECEIVER_NAMES.put("maxUnacknowledgedPerShard", P + "max-unacknowledged-per-shard");
        RECEIVER_NAMES.put("iteratorRefreshInterval", P + "iterator-refresh-interval");
        RECEIVER_NAMES.put("startupTimeout", P + "startup-timeout");
        RECEIVER_NAMES.put("maxConcurrentCalls", P + "max-concurrent-calls");
        RECEIVER_NAMES.put("commitInterval", P + "commit-interval");
        RECEIVER_NAMES.put("maxRetryBackoff", P + "max-retry-backoff");
        RECEIVER_NAMES.put("retryBackoff", P + "retry-backoff");
        RECEIVER_NAMES.put("maxRetries", P + "max-retries");
        RECEIVER_NAMES.put("trimmedDataPolicy", P + "trimmed-data-policy");
        RECEIVER_NAMES.put("creationTimePrecision", P + "creation-time-precision");
        RECEIVER_NAMES.put("startPosition", P + "start-position");
        RECEIVER_NAMES.put("tableName", P + "table-name");
        RECEIVER_NAMES.put("streamArn", P + "stream-arn");
        RECEIVER_NAMES.put("checkpointStore", P + "checkpoint.table-name");

        LEASE_NAMES.put("tableCreationTimeout", P + "leases.table-creation-timeout");
        LEASE_NAMES.put("tableName", P + "leases.table-name");
        LEASE_NAMES.put("workerId", P + "leases.worker-id");
        LEASE_NAMES.put("failoverTime", P + "leases.failover-time");
        LEASE_NAMES.put("renewInterval", P + "leases.renew-interval");
        LEASE_NAMES.put("takeInterval", P + "leases.take-interval");
        LEASE_NAMES.put("maxLeasesPerWorker", P + "leases.max-leases-per-worker");
        LEASE_NAMES.put("drainTimeout", P + "leases.drain-timeout");

        CHECKPOINT_NAMES.put("tableCreationTimeout", P + "checkpoint.table-creation-timeout");
        CHECKPOINT_NAMES.put("tableName", P + "checkpoint.table-name");
    }

    private PropertiesMapping() {
    }

    /** The rules that span properties, checked before any builder runs. */
    static void validate(DynamoDbStreamsProperties properties) {
        boolean hasTable = hasText(properties.getTableName());
        boolean hasArn = hasText(properties.getStreamArn());
        if (hasTable == hasArn) {
            throw new InvalidConfigurationPropertyValueException(P + "table-name",
                    properties.getTableName(), "exactly one of " + P + "table-name and " + P + "stream-arn must be"
                            + " set, " + (hasTable ? "both were" : "neither was"));
        }
        if (properties.getStartPosition() == DynamoDbStreamsProperties.StartPositionKind.AT_TIMESTAMP
                && properties.getStartTimestamp() == null) {
            throw new InvalidConfigurationPropertyValueException(P + "start-timestamp", null,
                    P + "start-position at-timestamp needs " + P + "start-timestamp (ISO-8601, e.g. 2025-06-01T00:00:00Z)");
        }
        if (properties.getStartPosition() != DynamoDbStreamsProperties.StartPositionKind.AT_TIMESTAMP
                && properties.getStartTimestamp() != null) {
            throw new InvalidConfigurationPropertyValueException(P + "start-timestamp", properties.getStartTimestamp(),
                    "only used with " + P + "start-position at-timestamp, which is " + properties.getStartPosition());
        }
        if (hasText(properties.getLeases().getTableName()) && hasText(properties.getCheckpoint().getTableName())) {
            throw new InvalidConfigurationPropertyValueException(P + "checkpoint.table-name",
                    properties.getCheckpoint().getTableName(), "must not be set together with " + P
                            + "leases.table-name: with leases the checkpoints are kept in the lease table");
        }
        Duration shutdown = properties.getPipeline().getShutdownTimeout();
        if (shutdown == null || shutdown.isNegative()) {
            throw new InvalidConfigurationPropertyValueException(P + "pipeline.shutdown-timeout", shutdown,
                    "must be >= 0");
        }
    }

    /** The receiver's options from the properties, before customizers and beans are applied. */
    static ReceiverOptions.Builder receiverOptions(DynamoDbStreamsProperties properties) {
        validate(properties);
        ReceiverOptions.Builder builder = ReceiverOptions.builder()
                .startPosition(startPosition(properties))
                .pollInterval(properties.getPollInterval())
                .maxRecordsPerRequest(properties.getMaxRecordsPerRequest())
                .shardDiscoveryInterval(properties.getShardDiscoveryInterval())
                .commitInterval(properties.getCommitInterval())
                .retryBackoff(properties.getRetryBackoff())
                .maxRetryBackoff(properties.getMaxRetryBackoff())
                .trimmedDataPolicy(properties.getTrimmedDataPolicy())
                .creationTimePrecision(properties.getCreationTimePrecision())
                .completeWhenStreamDisabled(properties.isCompleteWhenStreamDisabled())
                .idlePollInterval(properties.getIdlePollInterval())
                .idleAfter(properties.getIdleAfter())
                .maxUnacknowledgedPerShard(properties.getMaxUnacknowledgedPerShard())
                .iteratorRefreshInterval(properties.getIteratorRefreshInterval())
                .startupTimeout(properties.getStartupTimeout())
                .maxConcurrentCalls(properties.getMaxConcurrentCalls());
        if (hasText(properties.getTableName())) {
            builder.tableName(properties.getTableName());
        } else {
            builder.streamArn(properties.getStreamArn());
        }
        if (properties.getMinPollInterval() != null) {
            builder.minPollInterval(properties.getMinPollInterval());
        }
        if (properties.getPacing() != null) {
            builder.pacing(properties.getPacing());
        }
        if (properties.getReadRequestPricePerMillion() != null) {
            builder.readRequestPricePerMillion(properties.getReadRequestPricePerMillion());
        }
        if (properties.getMaxRetries() != null) {
            builder.maxRetries(properties.getMaxRetries());
        }
        return builder;
    }

    /** Builds the receiver's options, a failure naming the property at fault. */
    static ReceiverOptions build(ReceiverOptions.Builder builder, DynamoDbStreamsProperties properties) {
        return translated(builder::build, RECEIVER_NAMES, properties);
    }

    /** The lease options from {@code ddb.streams.leases.*}, or {@code null} when leases are off. */
    static LeaseOptions.Builder leaseOptions(DynamoDbStreamsProperties properties, DynamoDbAsyncClient client) {
        DynamoDbStreamsProperties.Leases leases = properties.getLeases();
        if (!hasText(leases.getTableName())) {
            return null;
        }
        LeaseOptions.Builder builder = LeaseOptions.builder()
                .client(client)
                .tableName(leases.getTableName())
                .failoverTime(leases.getFailoverTime())
                .createTableIfAbsent(leases.isCreateTable())
                .tableCreationTimeout(leases.getTableCreationTimeout());
        if (leases.getWorkerId() != null) {
            builder.workerId(leases.getWorkerId());
        }
        if (leases.getRenewInterval() != null) {
            builder.renewInterval(leases.getRenewInterval());
        }
        if (leases.getTakeInterval() != null) {
            builder.takeInterval(leases.getTakeInterval());
        }
        if (leases.getDrainTimeout() != null) {
            builder.drainTimeout(leases.getDrainTimeout());
        }
        if (leases.getMaxLeasesPerWorker() != null) {
            builder.maxLeasesPerWorker(leases.getMaxLeasesPerWorker());
        }
        return builder;
    }

    static LeaseOptions build(LeaseOptions.Builder builder, DynamoDbStreamsProperties properties) {
        return translated(builder::build, LEASE_NAMES, properties);
    }

    /** The checkpoint table's options from {@code ddb.streams.checkpoint.*}. */
    static DynamoDbCheckpointStoreOptions checkpointStoreOptions(DynamoDbStreamsProperties properties,
            DynamoDbAsyncClient client) {
        DynamoDbStreamsProperties.Checkpoint checkpoint = properties.getCheckpoint();
        return translated(() -> DynamoDbCheckpointStoreOptions.builder()
                .client(client)
                .tableName(checkpoint.getTableName())
                .createTableIfAbsent(checkpoint.isCreateTable())
                .tableCreationTimeout(checkpoint.getTableCreationTimeout())
                .build(), CHECKPOINT_NAMES, properties);
    }

    private static StartPosition startPosition(DynamoDbStreamsProperties properties) {
        return switch (properties.getStartPosition()) {
            case TRIM_HORIZON -> StartPosition.trimHorizon();
            case LATEST -> StartPosition.latest();
            case AT_TIMESTAMP -> StartPosition.atTimestamp(properties.getStartTimestamp());
        };
    }

    /**
     * Runs a builder's {@code build()}; a failure is rethrown with each builder option name in its message
     * replaced by its property, as an {@link InvalidConfigurationPropertyValueException} of the first property
     * named (which Boot's failure analysis prints as "Property: …, Reason: …").
     */
    static <T> T translated(Supplier<T> build, Map<String, String> names, DynamoDbStreamsProperties properties) {
        try {
            return build.get();
        } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
            String message = String.valueOf(e.getMessage());
            String first = null;
            int firstAt = Integer.MAX_VALUE;
            StringBuilder translated = new StringBuilder();
            Matcher words = Pattern.compile("\\b[a-z][A-Za-z]*\\b").matcher(message);
            while (words.find()) {
                String property = names.get(words.group());
                words.appendReplacement(translated, Matcher.quoteReplacement(property != null ? property : words.group()));
                if (property != null && words.start() < firstAt) {
                    firstAt = words.start();
                    first = property;
                }
            }
            words.appendTail(translated);
            if (first == null) {
                throw new IllegalStateException("Invalid " + P + "* configuration: " + message, e);
            }
            InvalidConfigurationPropertyValueException failure =
                    new InvalidConfigurationPropertyValueException(first, valueOf(properties, first), translated.toString());
            failure.initCause(e);
            throw failure;
        }
    }

    /** The bound value of a property ({@code ddb.streams.leases.failover-time}), or {@code null}. */
    private static Object valueOf(DynamoDbStreamsProperties properties, String property) {
        StringBuilder path = new StringBuilder();
        String[] words = property.substring(P.length()).split("-");
        for (int i = 0; i < words.length; i++) {
            path.append(i == 0 ? words[i] : Character.toUpperCase(words[i].charAt(0)) + words[i].substring(1));
        }
        try {
            return new BeanWrapperImpl(properties).getPropertyValue(path.toString());
        } catch (BeansException e) {
            return null;
        }
    }

    static boolean hasText(String s) {
        return s != null && !s.isBlank();
    }

    /** The {@code table} tag of the receiver's meters: the table name, or the one in the stream ARN. */
    static String tableTag(DynamoDbStreamsProperties properties) {
        if (hasText(properties.getTableName())) {
            return properties.getTableName();
        }
        String arn = properties.getStreamArn();
        if (arn == null) {
            return null;
        }
        return StreamArns.tableName(arn).orElse(null);
    }
}
