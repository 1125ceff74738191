package io.github.ddbstreams.spring.boot;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code ddbstreams} health indicator ({@link DynamoDbStreamsHealthIndicator}) when Boot's health support
 * and Micrometer are on the classpath (both come with {@code spring-boot-starter-actuator}) and the application
 * runs a pipeline. {@code management.health.ddbstreams.enabled=false} turns it off.
 */
@AutoConfiguration(after = DynamoDbStreamsAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, MeterRegistry.class})
@ConditionalOnEnabledHealthIndicator("ddbstreams")
public class DynamoDbStreamsHealthAutoConfiguration {

    /** Named so that the health endpoint shows it as {@code ddbstreams}. */
    @Bean
    @ConditionalOnMissingBean(name = "ddbstreamsHealthIndicator")
    @ConditionalOnBean(DynamoDbStreamsPipelineRunner.class)
    public DynamoDbStreamsHealthIndicator ddbstreamsHealthIndicator(DynamoDbStreamsPipelineRunner runner,
            ObjectProvider<MeterRegistry> registry, DynamoDbStreamsProperties properties) {
        return new DynamoDbStreamsHealthIndicator(runner, registry.getIfUnique(), properties);
    }
}
