/**
 * Spring Boot auto-configuration of a DynamoDB Streams receiver: {@code ddb.streams.*} properties
 * ({@link io.github.ddbstreams.spring.boot.DynamoDbStreamsProperties}), the clients, checkpoint store, options and
 * receiver beans ({@link io.github.ddbstreams.spring.boot.DynamoDbStreamsAutoConfiguration}), the application's
 * {@link io.github.ddbstreams.spring.boot.DynamoDbStreamsPipeline} run with the context
 * ({@link io.github.ddbstreams.spring.boot.DynamoDbStreamsPipelineRunner}) and a health indicator from the
 * receiver's meters ({@link io.github.ddbstreams.spring.boot.DynamoDbStreamsHealthIndicator}).
 */
package io.github.ddbstreams.spring.boot;
