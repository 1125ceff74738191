package io.github.ddbstreams.spring.boot;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.RecordCheckpoint;
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
 * <p>How the wait works without a shutdown hook in the receiver: after the subscription is disposed the
 * receiver commits once more, releases its leases, then refuses further commits. The runner keeps the
 * checkpoint handle of a recent <em>acknowledged</em> record and calls its {@code commit()} (a no-op
 * acknowledgement, and a commit that joins the final one) until the receiver refuses: at that point the final
 * commit and the lease release are done. Without any acknowledged record there is nothing to commit, and the
 * runner waits for no commit (leases, if any, are still released by the receiver, asynchronously).
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

    /** Recent checkpoint handles kept to find an acknowledged one at shutdown (references only). */
    private static final int RECENT_CHECKPOINTS = 64;
    private static final long COMMIT_POLL_MILLIS = 20;

    private final DynamoDbStreamsReceiver receiver;
    private final DynamoDbStreamsPipeline pipeline;
    private final boolean autoStartup;
    private final Duration shutdownTimeout;

    private final Object lock = new Object();
    private final Deque<RecordCheckpoint> recent = new ArrayDeque<>();
    private RecordCheckpoint olderAcknowledged;
    private Disposable subscription;
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
            recent.clear();
            olderAcknowledged = null;
            failure = null;
            long current = ++generation;
            Flux<ChangeRecord> records = receiver.receive().doOnNext(this::track);
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

    private void track(ChangeRecord record) {
        synchronized (lock) {
            if (recent.size() == RECENT_CHECKPOINTS) {
                RecordCheckpoint oldest = recent.removeFirst();
                if (oldest.isAcknowledged()) {
                    olderAcknowledged = oldest;
                }
            }
            recent.addLast(record.checkpoint());
        }
    }

    /**
     * Disposes the subscription and waits, at most the shutdown timeout, for the receiver's final commit and
     * lease release. Blocks the calling thread.
     */
    @Override
    public void stop() {
        Disposable running;
        RecordCheckpoint handle;
        synchronized (lock) {
            running = subscription;
            subscription = null;
            if (state == State.RUNNING) {
                state = State.STOPPED;
            }
            generation++;
            handle = acknowledgedHandle();
        }
        if (running == null) {
            return;
        }
        long start = System.nanoTime();
        running.dispose();
        boolean done = awaitFinalCommit(handle, start + shutdownTimeout.toNanos());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (done) {
            log.info("Stopped the DynamoDB Streams pipeline in {} ms ({})", millis,
                    handle == null ? "nothing acknowledged to commit" : "the receiver stopped: final checkpoint committed, leases released");
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

    /** The newest acknowledged handle, or {@code null} when no record was acknowledged (or seen). */
    private RecordCheckpoint acknowledgedHandle() {
        for (Iterator<RecordCheckpoint> it = recent.descendingIterator(); it.hasNext(); ) {
            RecordCheckpoint checkpoint = it.next();
            if (checkpoint.isAcknowledged()) {
                return checkpoint;
            }
        }
        return olderAcknowledged;
    }

    /** Commits through an acknowledged handle until the stopped receiver refuses: its last commit is done. */
    private static boolean awaitFinalCommit(RecordCheckpoint handle, long deadlineNanos) {
        if (handle == null) {
            return true;
        }
        while (true) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                handle.commit().block(Duration.ofNanos(left));
            } catch (IllegalStateException stopped) {
                // "has stopped": the final commit and lease release finished (a block timeout is an
                // IllegalStateException too, and the deadline check ends the loop then)
                if (System.nanoTime() < deadlineNanos) {
                    return true;
                }
                return false;
            } catch (RuntimeException commitFailed) {
                log.debug("A commit while stopping failed; waiting for the receiver's own", commitFailed);
            }
            try {
                Thread.sleep(COMMIT_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
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
