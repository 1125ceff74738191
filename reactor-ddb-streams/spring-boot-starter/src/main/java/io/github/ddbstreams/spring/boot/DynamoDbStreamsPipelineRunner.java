package io.github.ddbstreams.spring.boot;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverStopSignal;
import io.github.ddbstreams.record.ChangeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Runs the application's {@link DynamoDbStreamsPipeline} with the application context: subscribes it on
 * start, and on stop disposes the subscription and waits (at most {@code ddb.streams.pipeline.shutdown-timeout})
 * until the receiver has committed what was acknowledged and released its leases.
 *
 * <p>Its {@link #state()} and {@link #failure()} feed the health indicator. Starting again after a stop (or
 * after a failure, with {@link #start()}) is a new subscription that resumes after the committed checkpoints.
 *
 * <p>How the wait works: the receiver's records are read with a {@link ReceiverStopSignal} in their subscription's
 * context; after the subscription is disposed the receiver commits once more, releases its leases and completes
 * that signal, which the runner waits for.
 */
public final class DynamoDbStreamsPipelineRunner implements SmartLifecycle {

    /** Where the pipeline stands. */
    public enum State {
        /** Not subscribed yet (or {@code auto-startup} is off). */
        NEW,
        /** Subscribed, reading the stream. */
        RUNNING,
        /** The pipeline's publisher ended with an error: see {@link #failure()}. */
        FAILED,
        /** The pipeline's publisher completed (a disabled stream read to its end, or the pipeline's choice). */
        COMPLETED,
        /** Stopped with the application context. */
        STOPPED
    }

    private static final Logger log = LoggerFactory.getLogger(DynamoDbStreamsPipelineRunner.class);

    private final DynamoDbStreamsReceiver receiver;
    private final DynamoDbStreamsPipeline pipeline;
    private final boolean autoStartup;
    private final Duration shutdownTimeout;

    private final Object lock = new Object();
    private Disposable subscription;
    private ReceiverStopSignal stopSignal;
    /** Whether the pipeline subscribed to the receiver's records (else there is no reading to wait for). */
    private AtomicBoolean reading;
    private volatile State state = State.NEW;
    private volatile Throwable failure;
    private volatile long generation;

    DynamoDbStreamsPipelineRunner(DynamoDbStreamsReceiver receiver, DynamoDbStreamsPipeline pipeline,
            boolean autoStartup, Duration shutdownTimeout) {
        this.receiver = Objects.requireNonNull(receiver, "receiver");
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.autoStartup = autoStartup;
        this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    }

    /** Subscribes the pipeline; does nothing while it runs. */
    @Override
    public void start() {
        synchronized (lock) {
            if (state == State.RUNNING) {
                return;
            }
            failure = null;
            long current = ++generation;
            ReceiverStopSignal stopped = ReceiverStopSignal.create();
            AtomicBoolean subscribed = new AtomicBoolean();
            stopSignal = stopped;
            reading = subscribed;
            Flux<ChangeRecord> records = receiver.receive().contextWrite(stopped::addTo)
                    .doOnSubscribe(s -> subscribed.set(true));
            state = State.RUNNING;
            subscription = Flux.from(pipeline.process(records)).subscribe(
                    ignored -> { },
                    error -> ended(current, State.FAILED, error),
                    () -> ended(current, State.COMPLETED, null));
            log.info("Started the DynamoDB Streams pipeline on {}", receiver.options().tableName() != null
                    ? "table " + receiver.options().tableName() : receiver.options().streamArn());
        }
    }

    private void ended(long subscriptionGeneration, State end, Throwable error) {
        synchronized (lock) {
            if (subscriptionGeneration != generation || state != State.RUNNING) {
                return;
            }
            failure = error;
            state = end;
        }
        if (error != null) {
            log.error("The DynamoDB Streams pipeline failed; it stays stopped until restarted", error);
        } else {
            log.info("The DynamoDB Streams pipeline completed");
        }
    }

    /**
     * Disposes the subscription and waits, at most the shutdown timeout, for the receiver's final commit and
     * lease release. Blocks the calling thread.
     */
    @Override
    public void stop() {
        Disposable running;
        ReceiverStopSignal stopped;
        boolean wasReading;
        synchronized (lock) {
            wasReading = reading != null && reading.get();
            running = subscription;
            subscription = null;
            stopped = stopSignal;
            stopSignal = null;
            if (state == State.RUNNING) {
                state = State.STOPPED;
            }
            generation++;
        }
        if (running == null) {
            return;
        }
        long start = System.nanoTime();
        running.dispose();
        boolean done = !wasReading || awaitStopped(stopped);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (done) {
            log.info("Stopped the DynamoDB Streams pipeline in {} ms ({})", millis, wasReading
                    ? "the receiver stopped: final checkpoint committed, leases released" : "it never read the stream");
        } else {
            log.warn("Stopped the DynamoDB Streams pipeline without seeing its final commit within {}: records"
                    + " after the last commit are read again after a restart", shutdownTimeout);
        }
    }

    @Override
    public void stop(Runnable callback) {
        try {
            stop();
        } finally {
            callback.run();
        }
    }

    /** Waits, at most the shutdown timeout, for the receiver to report its reading stopped. */
    private boolean awaitStopped(ReceiverStopSignal stopped) {
        try {
            stopped.whenStopped().block(shutdownTimeout);
            return true;
        } catch (IllegalStateException timeout) {
            return stopped.isStopped();
        }
    }

    @Override
    public boolean isRunning() {
        return state == State.RUNNING;
    }

    @Override
    public boolean isAutoStartup() {
        return autoStartup;
    }

    /** Stops before (and starts after) lifecycle beans of lower phases, such as a web server. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }

    /** Where the pipeline stands now. */
    public State state() {
        return state;
    }

    /** The error that ended the pipeline, or {@code null} unless {@link #state()} is {@link State#FAILED}. */
    public Throwable failure() {
        return failure;
    }

    /** The receiver the pipeline reads. */
    public DynamoDbStreamsReceiver receiver() {
        return receiver;
    }
}
