package io.github.ddbstreams.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStoreOptions;
import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.receiver.ReceiverOptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * The generated {@code spring-configuration-metadata.json} against the library: the defaults an IDE shows are the
 * library's defaults (so a default changed in {@link ReceiverOptions} without the starter fails here), and every
 * builder option of {@link ReceiverOptions} and {@link LeaseOptions} has a property or a stated reason not to.
 */
class DynamoDbStreamsConfigurationMetadataTest {

    private static final String P = DynamoDbStreamsProperties.PREFIX + ".";

    /** ReceiverOptions.Builder options: the property that sets each, or why none does (a bean, or derived). */
    private static final Map<String, String> RECEIVER_OPTIONS = Map.ofEntries(
            Map.entry("tableName", P + "table-name"),
            Map.entry("streamArn", P + "stream-arn"),
            Map.entry("startPosition", P + "start-position"),
            Map.entry("pollInterval", P + "poll-interval"),
            Map.entry("minPollInterval", P + "min-poll-interval"),
            Map.entry("pacing", P + "pacing"),
            Map.entry("idlePollInterval", P + "idle-poll-interval"),
            Map.entry("idleAfter", P + "idle-after"),
            Map.entry("readRequestPricePerMillion", P + "read-request-price-per-million"),
            Map.entry("maxUnacknowledgedPerShard", P + "max-unacknowledged-per-shard"),
            Map.entry("iteratorRefreshInterval", P + "iterator-refresh-interval"),
            Map.entry("startupTimeout", P + "startup-timeout"),
            Map.entry("maxConcurrentCalls", P + "max-concurrent-calls"),
            Map.entry("maxRecordsPerRequest", P + "max-records-per-request"),
            Map.entry("shardDiscoveryInterval", P + "shard-discovery-interval"),
            Map.entry("commitInterval", P + "commit-interval"),
            Map.entry("maxRetries", P + "max-retries"),
            Map.entry("retryBackoff", P + "retry-backoff"),
            Map.entry("maxRetryBackoff", P + "max-retry-backoff"),
            Map.entry("retry", "the same as " + P + "max-retries, retry-backoff and max-retry-backoff (its jitter: "
                    + "a ReceiverOptionsCustomizer bean)"),
            Map.entry("trimmedDataPolicy", P + "trimmed-data-policy"),
            Map.entry("creationTimePrecision", P + "creation-time-precision"),
            Map.entry("completeWhenStreamDisabled", P + "complete-when-stream-disabled"),
            Map.entry("checkpointStore", "bean: CheckpointStore (or " + P + "checkpoint.table-name)"),
            Map.entry("leases", "built from " + P + "leases.*"),
            Map.entry("streamsClient", "bean: DynamoDbStreamsAsyncClient (or " + P + "client.*)"),
            Map.entry("dynamoDbClient", "bean: DynamoDbAsyncClient (or " + P + "client.*)"),
            Map.entry("meterRegistry", "bean: the application's MeterRegistry"),
            Map.entry("trimmedDataListener", "code: a ReceiverOptionsCustomizer bean"),
            Map.entry("scheduler", "code: a ReceiverOptionsCustomizer bean (tests)"));

    /** LeaseOptions.Builder options, likewise. */
    private static final Map<String, String> LEASE_OPTIONS = Map.ofEntries(
            Map.entry("tableName", P + "leases.table-name"),
            Map.entry("workerId", P + "leases.worker-id"),
            Map.entry("failoverTime", P + "leases.failover-time"),
            Map.entry("renewInterval", P + "leases.renew-interval"),
            Map.entry("takeInterval", P + "leases.take-interval"),
            Map.entry("maxLeasesPerWorker", P + "leases.max-leases-per-worker"),
            Map.entry("drainTimeout", P + "leases.drain-timeout"),
            Map.entry("createTableIfAbsent", P + "leases.create-table"),
            Map.entry("tableCreationTimeout", P + "leases.table-creation-timeout"),
            Map.entry("client", "bean: DynamoDbAsyncClient (or " + P + "client.*)"),
            Map.entry("initialCheckpoints", "code: a LeaseOptionsCustomizer bean (e.g. a KCL lease-table import)"),
            Map.entry("meterRegistry", "bean: the application's MeterRegistry"));

    private final DynamoDbAsyncClient client = DynamoDbAsyncClient.builder().region(Region.US_EAST_1)
            .endpointOverride(URI.create("http://127.0.0.1:1"))
            .credentialsProvider(AnonymousCredentialsProvider.create()).build();

    @Test
    void everyBuilderOption_hasAPropertyInTheMetadata_orAStatedReason() throws Exception {
        Map<String, JsonNode> properties = metadataProperties();
        assertThat(builderOptions(ReceiverOptions.Builder.class)).isEqualTo(new TreeSet<>(RECEIVER_OPTIONS.keySet()));
        assertThat(builderOptions(LeaseOptions.Builder.class)).isEqualTo(new TreeSet<>(LEASE_OPTIONS.keySet()));
        for (Map<String, String> options : List.of(RECEIVER_OPTIONS, LEASE_OPTIONS)) {
            options.values().stream().filter(v -> v.startsWith(P))
                    .forEach(property -> assertThat(properties).as("metadata of %s", property).containsKey(property));
        }
        properties.forEach((name, property) -> assertThat(property.path("description").asText())
                .as("description of %s", name).isNotBlank());
    }

    @Test
    void metadataDefaults_boundAsAUserWouldWriteThem_areTheLibrarysDefaults() throws Exception {
        Map<String, Object> defaults = new LinkedHashMap<>();
        metadataProperties().forEach((name, property) -> {
            JsonNode value = property.get("defaultValue");
            if (value != null && !value.isNull()) {
                defaults.put(name, value.isTextual() ? value.asText() : value.toString());
            }
        });
        assertThat(defaults).containsKeys(P + "poll-interval", P + "max-unacknowledged-per-shard",
                P + "startup-timeout", P + "iterator-refresh-interval", P + "idle-poll-interval", P + "idle-after",
                P + "leases.failover-time", P + "checkpoint.table-creation-timeout");
        defaults.put(P + "table-name", "Orders");
        DynamoDbStreamsProperties bound = new Binder(new MapConfigurationPropertySource(defaults))
                .bind(DynamoDbStreamsProperties.PREFIX, DynamoDbStreamsProperties.class).get();

        assertSameAccessors(ReceiverOptions.class, PropertiesMapping.receiverOptions(bound).build(),
                ReceiverOptions.builder().tableName("Orders").build());

        bound.getLeases().setTableName("leases");
        bound.getLeases().setWorkerId("worker");
        assertSameAccessors(LeaseOptions.class, PropertiesMapping.leaseOptions(bound, client).build(),
                LeaseOptions.builder().client(client).tableName("leases").workerId("worker").build());

        bound.getCheckpoint().setTableName("checkpoints");
        assertSameAccessors(DynamoDbCheckpointStoreOptions.class, PropertiesMapping.checkpointStoreOptions(bound, client),
                DynamoDbCheckpointStoreOptions.builder().client(client).tableName("checkpoints").build());
    }

    /** Every public accessor (no argument, not the builder) of both objects returns equal values. */
    private static <T> void assertSameAccessors(Class<T> type, T fromProperties, T library) throws Exception {
        Map<String, Object> actual = new TreeMap<>();
        Map<String, Object> expected = new TreeMap<>();
        for (Method accessor : type.getDeclaredMethods()) {
            if (Modifier.isPublic(accessor.getModifiers()) && !Modifier.isStatic(accessor.getModifiers())
                    && accessor.getParameterCount() == 0 && !accessor.getName().equals("toBuilder")
                    && !accessor.getName().equals("toString") && !accessor.getName().equals("hashCode")) {
                actual.put(accessor.getName(), accessor.invoke(fromProperties));
                expected.put(accessor.getName(), accessor.invoke(library));
            }
        }
        assertThat(actual).as(type.getSimpleName() + " from the metadata defaults").isEqualTo(expected);
    }

    private static Set<String> builderOptions(Class<?> builder) {
        return Arrays.stream(builder.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && m.getParameterCount() == 1)
                .map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Map<String, JsonNode> metadataProperties() throws Exception {
        try (InputStream in = DynamoDbStreamsConfigurationMetadataTest.class.getClassLoader()
                .getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("META-INF/spring-configuration-metadata.json").isNotNull();
            Map<String, JsonNode> properties = new TreeMap<>();
            new ObjectMapper().readTree(in).path("properties")
                    .forEach(property -> properties.put(property.path("name").asText(), property));
            return properties;
        }
    }
}
