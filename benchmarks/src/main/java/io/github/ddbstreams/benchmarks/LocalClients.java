package io.github.ddbstreams.benchmarks;

import java.net.URI;
import java.time.Duration;

import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The SDK clients every contender uses, all pointed at one DynamoDB Local on loopback and all counting their
 * requests in one {@link CallCounter}. The contenders run one at a time, so the difference of a count before
 * and after a run is that run's.
 */
final class LocalClients implements AutoCloseable {

    final CallCounter calls = new CallCounter();
    final URI endpoint;
    final DynamoDbAsyncClient dynamoDb;
    final DynamoDbStreamsAsyncClient streams;
    /** Blocking streams client for the KCL adapter, which takes a synchronous one. */
    final DynamoDbStreamsClient syncStreams;
    /** Required by the KCL's ConfigsBuilder; metrics are off, so it is never called (and it points at loopback). */
    final CloudWatchAsyncClient cloudWatch;

    LocalClients(URI endpoint) {
        this(endpoint, endpoint, 50);
    }

    /**
     * DynamoDB (and CloudWatch) at {@code endpoint}, the streams clients at {@code streamsEndpoint} (e.g. a
     * {@code SimulatedStreamsService}), the async one with {@code streamsConnections} pooled connections.
     */
    LocalClients(URI endpoint, URI streamsEndpoint, int streamsConnections) {
        this.endpoint = endpoint;
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(EmbeddedDynamoDb.DUMMY_CREDENTIAL, EmbeddedDynamoDb.DUMMY_CREDENTIAL));
        dynamoDb = DynamoDbAsyncClient.builder()
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(64)
                        .connectionAcquisitionTimeout(Duration.ofSeconds(60)))
                .endpointOverride(endpoint).region(EmbeddedDynamoDb.REGION).credentialsProvider(credentials)
                .overrideConfiguration(o -> o.addExecutionInterceptor(calls))
                .build();
        streams = DynamoDbStreamsAsyncClient.builder()
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(streamsConnections))
                .endpointOverride(streamsEndpoint).region(EmbeddedDynamoDb.REGION).credentialsProvider(credentials)
                .overrideConfiguration(o -> o.addExecutionInterceptor(calls))
                .build();
        syncStreams = DynamoDbStreamsClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(30)))
                .endpointOverride(streamsEndpoint).region(EmbeddedDynamoDb.REGION).credentialsProvider(credentials)
                .overrideConfiguration(o -> o.addExecutionInterceptor(calls))
                .build();
        cloudWatch = CloudWatchAsyncClient.builder()
                .httpClientBuilder(NettyNioAsyncHttpClient.builder())
                .endpointOverride(endpoint).region(EmbeddedDynamoDb.REGION).credentialsProvider(credentials)
                .build();
    }

    long getRecordsCalls() {
        return calls.count(CallCounter.GET_RECORDS);
    }

    @Override
    public void close() {
        dynamoDb.close();
        streams.close();
        syncStreams.close();
        cloudWatch.close();
    }
}
