package io.github.ddbstreams.sink.dynamodb;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/** A {@link DynamoDbAsyncClient} whose PutItem and DeleteItem calls are answered by a function; records calls. */
final class FakeDynamoDbClient {

    final List<SdkRequest> requests = new CopyOnWriteArrayList<>();
    final AtomicBoolean closed = new AtomicBoolean();
    final DynamoDbAsyncClient client;

    FakeDynamoDbClient(Function<SdkRequest, CompletableFuture<?>> answer) {
        this.client = (DynamoDbAsyncClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DynamoDbAsyncClient.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "putItem", "deleteItem" -> {
                        SdkRequest request = (SdkRequest) args[0];
                        requests.add(request);
                        yield answer.apply(request);
                    }
                    case "close" -> {
                        closed.set(true);
                        yield null;
                    }
                    case "serviceName" -> "dynamodb";
                    case "toString" -> "FakeDynamoDbClient";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
