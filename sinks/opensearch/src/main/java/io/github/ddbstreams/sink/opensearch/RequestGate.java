package io.github.ddbstreams.sink.opensearch;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Bounds the bulk requests in flight for a whole sink: {@link #run} starts its work when one of
 * {@code permits} is free and frees it when the work terminates or is cancelled. Waiters are queued in
 * arrival order; the queue holds at most one entry per request its callers have started (a caller's own
 * concurrency bounds it), never data.
 */
final class RequestGate {

    private final int permits;
    private final ArrayDeque<MonoSink<Permit>> waiters = new ArrayDeque<>();
    private int available;

    RequestGate(int permits) {
        this.permits = permits;
        this.available = permits;
    }

    <T> Mono<T> run(Supplier<Mono<T>> work) {
        return Mono.usingWhen(acquire(), permit -> work.get(), Permit::releaseLater,
                (permit, error) -> permit.releaseLater(), Permit::releaseLater);
    }

    /** Requests in flight now (for tests). */
    synchronized int inFlight() {
        return permits - available;
    }

    private Mono<Permit> acquire() {
        return Mono.<Permit>create(sink -> {
            boolean granted;
            synchronized (this) {
                granted = available > 0;
                if (granted) {
                    available--;
                } else {
                    waiters.add(sink);
                }
            }
            if (granted) {
                sink.success(new Permit());
            } else {
                sink.onCancel(() -> {
                    synchronized (this) {
                        waiters.remove(sink);
                    }
                });
            }
        }).doOnDiscard(Permit.class, Permit::release);
    }

    private void release() {
        MonoSink<Permit> next;
        synchronized (this) {
            next = waiters.poll();
            if (next == null) {
                available++;
                return;
            }
        }
        // the permit passes to the next waiter; if it was cancelled meanwhile, the permit is discarded and released
        next.success(new Permit());
    }

    private final class Permit {
        private final AtomicBoolean released = new AtomicBoolean();

        void release() {
            if (released.compareAndSet(false, true)) {
                RequestGate.this.release();
            }
        }

        Mono<Void> releaseLater() {
            return Mono.fromRunnable(this::release);
        }
    }
}
