package io.github.ddbstreams.internal;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A sink's writes in flight and its disposal: counts the writes running, refuses new ones once disposal
 * started, and tells when the last one finished. Each sink closes its own clients after {@link #drain()}.
 *
 * <p>Thread-safe.
 *
 * <pre>{@code
 * InFlightWrites writes = new InFlightWrites(() -> "the sink '" + name + "' is disposed");
 * Mono<BatchResult> write(RecordBatch batch) { return writes.run(() -> send(batch)); }
 * Mono<Void> disposeLater() { return writes.drain().then(Mono.fromRunnable(this::closeClient)); }
 * }</pre>
 */
public final class InFlightWrites {

    private final Supplier<String> disposedMessage;
    private final AtomicInteger running = new AtomicInteger();
    private final Sinks.Empty<Void> drained = Sinks.empty();
    private volatile boolean disposing;

    /**
     * Writes refused after disposal fail with an {@link IllegalStateException} with this message (e.g.
     * {@code "the Kafka sink 'orders' is disposed"}).
     */
    public InFlightWrites(Supplier<String> disposedMessage) {
        this.disposedMessage = Objects.requireNonNull(disposedMessage, "disposedMessage");
    }

    /**
     * Runs a write, counted from subscription until it terminates or is cancelled; fails with an
     * {@link IllegalStateException} instead once {@link #drain()} was called. Lazy.
     */
    public <T> Mono<T> run(Supplier<? extends Mono<T>> write) {
        Objects.requireNonNull(write, "write");
        return Mono.defer(() -> {
            running.incrementAndGet();
            if (disposing) {
                finished();
                return Mono.error(new IllegalStateException(disposedMessage.get()));
            }
            Mono<T> started;
            try {
                started = write.get();
            } catch (RuntimeException e) {
                finished();
                throw e;
            }
            return started.doFinally(signal -> finished());
        });
    }

    /**
     * Refuses new writes from now on; completes once the writes in flight finished (at once when none runs).
     * Idempotent; the refusal starts when this is called, not on subscription.
     */
    public Mono<Void> drain() {
        disposing = true;
        if (running.get() == 0) {
            drained.tryEmitEmpty();
        }
        return drained.asMono();
    }

    /** Whether {@link #drain()} was called. */
    public boolean isDisposing() {
        return disposing;
    }

    /** Writes running now. */
    public int inFlight() {
        return running.get();
    }

    private void finished() {
        if (running.decrementAndGet() == 0 && disposing) {
            drained.tryEmitEmpty();
        }
    }
}
