package io.github.ddbstreams.spring.boot;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStore;
import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * Auto-configuration of a DynamoDB Streams receiver from {@code ddb.streams.*} ({@link DynamoDbStreamsProperties}).
 * Every bean backs off when the application declares its own of the same type:
 * <ul>
 *   <li>{@link DynamoDbAsyncClient} and {@link DynamoDbStreamsAsyncClient} (region, endpoint, credentials from
 *       {@code ddb.streams.client.*}, else the SDK's default chains);</li>
 *   <li>{@link CheckpointStore}: a {@link DynamoDbCheckpointStore} on {@code ddb.streams.checkpoint.table-name},
 *       else in memory; none with leases ({@code ddb.streams.leases.table-name}), whose table keeps the
 *       checkpoints;</li>
 *   <li>{@link ReceiverOptions} (then {@link ReceiverOptionsCustomizer} and {@link LeaseOptionsCustomizer}
 *       beans), meters in the application's {@code MeterRegistry} when there is one;</li>
 *   <li>{@link DynamoDbStreamsReceiver};</li>
 *   <li>{@link DynamoDbStreamsPipelineRunner}, when the application declares a {@link DynamoDbStreamsPipeline}
 *       bean: subscribed with the context, stopped gracefully.</li>
 * </ul>
 * {@code ddb.streams.enabled=false} turns all of it off.
 */
@AutoConfiguration(afterName = {
        // the MeterRegistry of Boot 4 and of Boot 3, so ObjectProvider<MeterRegistry> finds it
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass(DynamoDbStreamsReceiver.class)
@ConditionalOnProperty(prefix = DynamoDbStreamsProperties.PREFIX, name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(DynamoDbStreamsProperties.class)
public class DynamoDbStreamsAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DynamoDbStreamsAutoConfiguration.class);

    /** The DynamoDB client: resolves the table's stream, and holds checkpoints and leases. */
    @Bean
    @ConditionalOnMissingBean
    public DynamoDbAsyncClient dynamoDbAsyncClient(DynamoDbStreamsProperties properties) {
        return configure(DynamoDbAsyncClient.builder(), properties.getClient()).build();
    }

    /** The DynamoDB Streams client the receiver reads with. */
    @Bean
    @ConditionalOnMissingBean
    public DynamoDbStreamsAsyncClient dynamoDbStreamsAsyncClient(DynamoDbStreamsProperties properties) {
        // sized so that no call of the receiver waits for a pooled connection (ReceiverOptions.maxConcurrentCalls)
        return configure(DynamoDbStreamsAsyncClient.builder(), properties.getClient())
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .maxConcurrency(properties.getMaxConcurrentCalls() + ReceiverOptions.DISCOVERY_CONNECTIONS))
                .build();
    }

    private static <B extends AwsClientBuilder<B, ?>> B configure(B builder, DynamoDbStreamsProperties.Client client) {
        if (PropertiesMapping.hasText(client.getRegion())) {
            builder.region(Region.of(client.getRegion()));
        }
        if (client.getEndpoint() != null) {
            builder.endpointOverride(client.getEndpoint());
        }
        boolean hasKey = PropertiesMapping.hasText(client.getAccessKeyId());
        boolean hasSecret = PropertiesMapping.hasText(client.getSecretAccessKey());
        if (hasKey != hasSecret) {
            throw new org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException(
                    DynamoDbStreamsProperties.PREFIX + (hasKey ? ".client.secret-access-key" : ".client.access-key-id"),
                    null, "ddb.streams.client.access-key-id and ddb.streams.client.secret-access-key go together");
        }
        if (hasKey) {
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(client.getAccessKeyId(), client.getSecretAccessKey())));
        }
        return builder;
    }

    /** The checkpoint store, when no leases are configured (the lease table keeps checkpoints then). */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnExpression("'${ddb.streams.leases.table-name:}'.isBlank()")
    public CheckpointStore checkpointStore(DynamoDbStreamsProperties properties, DynamoDbAsyncClient dynamoDb) {
        if (!PropertiesMapping.hasText(properties.getCheckpoint().getTableName())) {
            log.warn("No ddb.streams.checkpoint.table-name: checkpoints are kept in memory, so a restart reads the"
                    + " stream again from ddb.streams.start-position ({})", properties.getStartPosition());
            return CheckpointStore.inMemory();
        }
        return DynamoDbCheckpointStore.create(PropertiesMapping.checkpointStoreOptions(properties, dynamoDb));
    }

    /** The receiver's options: properties, then the beans above, then the customizers. */
    @Bean
    @ConditionalOnMissingBean
    public ReceiverOptions receiverOptions(DynamoDbStreamsProperties properties, DynamoDbAsyncClient dynamoDb,
            DynamoDbStreamsAsyncClient streams, ObjectProvider<CheckpointStore> checkpointStore,
            ObjectProvider<ReceiverOptionsCustomizer> receiverCustomizers,
            ObjectProvider<LeaseOptionsCustomizer> leaseCustomizers) {
        ReceiverOptions.Builder builder = PropertiesMapping.receiverOptions(properties)
                .dynamoDbClient(dynamoDb)
                .streamsClient(streams);
        LeaseOptions.Builder leases = PropertiesMapping.leaseOptions(properties, dynamoDb);
        if (leases != null) {
            leaseCustomizers.orderedStream().forEach(customizer -> customizer.customize(leases));
            builder.leases(PropertiesMapping.build(leases, properties));
        } else {
            CheckpointStore store = checkpointStore.getIfUnique();
            if (store != null) {
                builder.checkpointStore(store);
            }
        }
        receiverCustomizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return PropertiesMapping.build(builder, properties);
    }

    /** The receiver; each subscription to it is an independent reading that resumes after the checkpoints. */
    @Bean
    @ConditionalOnMissingBean
    public DynamoDbStreamsReceiver dynamoDbStreamsReceiver(ReceiverOptions options) {
        return DynamoDbStreamsReceiver.create(options);
    }

    /** Runs the application's pipeline bean with the context. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(DynamoDbStreamsPipeline.class)
    public DynamoDbStreamsPipelineRunner dynamoDbStreamsPipelineRunner(DynamoDbStreamsReceiver receiver,
            DynamoDbStreamsPipeline pipeline, DynamoDbStreamsProperties properties) {
        return new DynamoDbStreamsPipelineRunner(receiver, pipeline, properties.getPipeline().isAutoStartup(),
                properties.getPipeline().getShutdownTimeout());
    }

    /** Meters ({@code ddb.streams.*}) in the application's registry, for the receiver and its leases. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class MetricsConfiguration {

        @Bean
        ReceiverOptionsCustomizer dynamoDbStreamsReceiverMeters(ObjectProvider<MeterRegistry> registry) {
            return builder -> {
                MeterRegistry meters = registry.getIfUnique();
                if (meters != null) {
                    builder.meterRegistry(meters);
                }
            };
        }

        @Bean
        LeaseOptionsCustomizer dynamoDbStreamsLeaseMeters(ObjectProvider<MeterRegistry> registry) {
            return builder -> {
                MeterRegistry meters = registry.getIfUnique();
                if (meters != null) {
                    builder.meterRegistry(meters);
                }
            };
        }
    }
}
