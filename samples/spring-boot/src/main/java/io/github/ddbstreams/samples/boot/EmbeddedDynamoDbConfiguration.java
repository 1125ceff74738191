package io.github.ddbstreams.samples.boot;

import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * The embedded default: with no {@code ddb.streams.client.endpoint}, a DynamoDB Local server in this JVM with the
 * table and its stream, and its clients as beans, which the starter's own client beans back off for (the usual
 * Boot override). With an endpoint configured, none of this exists and the starter builds the clients.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${ddb.streams.client.endpoint:}'.isBlank()")
class EmbeddedDynamoDbConfiguration {

    @Bean(destroyMethod = "close")
    EmbeddedDynamoDb embeddedDynamoDb(@org.springframework.beans.factory.annotation.Value("${ddb.streams.table-name}")
            String table) {
        EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        return dynamoDb;
    }

    /** Owned by the embedded server, which closes it. */
    @Bean(destroyMethod = "")
    DynamoDbAsyncClient dynamoDbAsyncClient(EmbeddedDynamoDb dynamoDb) {
        return dynamoDb.dynamoDbAsyncClient();
    }

    /** Owned by the embedded server, which closes it. */
    @Bean(destroyMethod = "")
    DynamoDbStreamsAsyncClient dynamoDbStreamsAsyncClient(EmbeddedDynamoDb dynamoDb) {
        return dynamoDb.streamsAsyncClient();
    }
}
