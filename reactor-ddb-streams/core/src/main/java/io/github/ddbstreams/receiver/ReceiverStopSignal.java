package io.github.ddbstreams.receiver;

import java.util.Optional;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Tells when the reading behind one subscription of {@link DynamoDbStreamsReceiver#receive()} (or
 * {@link DynamoDbStreamsReceiver#receivePerShard()}) has stopped. When that subscription ends (cancelled, failed or
 * completed) the receiver stops reading, commits what was acknowledged, releases its leases and closes the clients
 * it created, asynchronously; then it completes the signal found in the subscription's context. So a graceful
 * shutdown disposes the subscription and waits for {@link #whenStopped()}:
 *
 * <pre>{@code
 * ReceiverStopSignal stopped = ReceiverStopSignal.create();
 * Disposable subscription = receiver.receive()
 *     .contextWrite(stopped::addTo)
 *     .concatMap(record -> index(record).thenReturn(record))
 *     .subscribe(record -> record.checkpoint().acknowledge());
 * // ... at shutdown
 * subscription.dispose();
 * stopped.whenStopped().block(Duration.ofSeconds(10));   // final commit done, leases released
 * }</pre>
 *
 * <p>One signal per subscription: the first reading that stops with it completes it, later ones find it
 * completed. A subscription without a signal in its context behaves as before.
 */
public final class ReceiverStopSignal {

    private final Sinks.Empty<Void> stopped = Sinks.empty();
    private volatile boolean done;

    private ReceiverStopSignal() {
    }

    /** A new signal, not stopped. */
    public static ReceiverStopSignal create() {
        return new ReceiverStopSignal();
    }

    /** {@code context} with this signal in it: pass to {@code contextWrite} just after {@code receive()}. */
    public Context addTo(Context context) {
        return context.put(ReceiverStopSignal.class, this);
    }

    /**
     * The signal in a subscription's context, if any: for implementations of {@link DynamoDbStreamsReceiver}, which
     * call {@link #stopped()} once their reading has stopped.
     */
    public static Optional<ReceiverStopSignal> in(ContextView context) {
        return context.getOrEmpty(ReceiverStopSignal.class);
    }

    /** Completes when the reading has stopped: its final commit made (or failed and logged), its leases released. */
    public Mono<Void> whenStopped() {
        return stopped.asMono();
    }

    /** Whether the reading has stopped. */
    public boolean isStopped() {
        return done;
    }

    /** Marks the reading stopped (called by the receiver); idempotent. */
    public void stopped() {
        done = true;
        stopped.tryEmitEmpty();
    }

    @Override
    public String toString() {
        return "ReceiverStopSignal{stopped=" + done + "}";
    }
}
