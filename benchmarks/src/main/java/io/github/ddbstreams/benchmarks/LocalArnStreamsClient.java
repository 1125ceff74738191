package io.github.ddbstreams.benchmarks;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.ListStreamsResponse;
import software.amazon.awssdk.services.dynamodb.model.Stream;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Shows the KCL adapter {@code us-east-1} stream ARNs while DynamoDB Local uses {@code ddblocal} ones: the
 * adapter 2.0.1 rebuilds ARNs from its lease keys and rejects a region the SDK does not know. Requests get
 * {@code ddblocal} back before they are sent; responses that carry stream ARNs get {@code us-east-1}.
 */
final class LocalArnStreamsClient implements InvocationHandler {

    private static final String LOCAL = ":ddblocal:";
    private static final String SHOWN = ":us-east-1:";

    private final DynamoDbStreamsClient delegate;

    private LocalArnStreamsClient(DynamoDbStreamsClient delegate) {
        this.delegate = delegate;
    }

    static DynamoDbStreamsClient wrap(DynamoDbStreamsClient delegate) {
        return (DynamoDbStreamsClient) Proxy.newProxyInstance(DynamoDbStreamsClient.class.getClassLoader(),
                new Class<?>[] {DynamoDbStreamsClient.class}, new LocalArnStreamsClient(delegate));
    }

    /**
     * Whether {@code arn} is a DynamoDB Local stream ARN (region {@code ddblocal}), i.e. one this client must
     * rewrite. Any other stream (e.g. a {@code SimulatedStreamsService}'s, region us-east-1) is given to the
     * adapter unwrapped: rewriting its requests to {@code ddblocal} would make them name a stream that does not
     * exist, and the adapter's shard sync takes that {@code ResourceNotFoundException} for a deleted stream and
     * creates no lease, silently.
     */
    static boolean isLocal(String arn) {
        return arn.contains(LOCAL);
    }

    /** The ARN the adapter must be given for a stream of DynamoDB Local. */
    static String shown(String localArn) {
        return localArn.replace(LOCAL, SHOWN);
    }

    static String local(String shownArn) {
        return shownArn == null ? null : shownArn.replace(SHOWN, LOCAL);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> "LocalArnStreamsClient(" + delegate + ")";
            };
        }
        if (args != null && args.length == 1) {
            if (args[0] instanceof DescribeStreamRequest r) {
                args = new Object[] {r.toBuilder().streamArn(local(r.streamArn())).build()};
            } else if (args[0] instanceof GetShardIteratorRequest r) {
                args = new Object[] {r.toBuilder().streamArn(local(r.streamArn())).build()};
            }
        }
        Object result;
        try {
            result = method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        if (result instanceof DescribeStreamResponse r && r.streamDescription() != null) {
            return r.toBuilder().streamDescription(r.streamDescription().toBuilder()
                    .streamArn(shown(r.streamDescription().streamArn())).build()).build();
        }
        if (result instanceof ListStreamsResponse r) {
            return r.toBuilder().streams(r.streams().stream()
                    .map(s -> s.toBuilder().streamArn(shown(s.streamArn())).build())
                    .toArray(Stream[]::new)).build();
        }
        return result;
    }
}
