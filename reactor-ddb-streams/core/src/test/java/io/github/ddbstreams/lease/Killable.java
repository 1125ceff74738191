package io.github.ddbstreams.lease;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import software.amazon.awssdk.core.exception.SdkClientException;

/** Wraps an SDK client interface so that, once killed, every call fails as if the process had died. */
final class Killable {

    private final AtomicBoolean killed = new AtomicBoolean();

    void kill() {
        killed.set(true);
    }

    boolean isKilled() {
        return killed.get();
    }

    <T> T wrap(Class<T> type, T delegate) {
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            if (method.getName().equals("close") || method.getDeclaringClass() == Object.class
                    || method.getName().equals("serviceName")) {
                return method.invoke(delegate, args);
            }
            if (killed.get()) {
                SdkClientException dead = SdkClientException.create("worker killed",
                        new IOException("Connection refused"));
                if (CompletableFuture.class.isAssignableFrom(method.getReturnType())) {
                    return CompletableFuture.failedFuture(dead);
                }
                throw dead;
            }
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
        return type.cast(proxy);
    }
}
