package io.github.ddbstreams.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Commits that run one at a time, each request served by a commit that starts after it: the store never
 * moves back (two saves never race), and the requests made while one commit runs are served together by the
 * next. Used by the receiver's checkpoint committer and the backfill's segment positions.
 *
 * <p>The commit itself ({@code commitOnce}) reads what to save when it is called, so a later commit always
 * saves the newest state; it may complete empty when there is nothing new.
 *
 * <p>Thread-safe. Safe to call from a commit's own completion: no lock is held while a waiter completes.
 *
 * <pre>{@code
 * SerialCommits commits = new SerialCommits(() -> store.save(arn, changedCheckpoints()));
 * commits.commit().subscribe();   // waits for a commit started after this call
 * commits.commitLater();           // the same, nobody waiting
 * }</pre>
 */
public final class SerialCommits {

    private final Supplier<Mono<Void>> commitOnce;
    private final Object lock = new Object();
    private List<Sinks.Empty<Void>> waiting = new ArrayList<>();
    private boolean running;
    /** A request came while a commit ran: one more commit follows it. */
    private boolean again;

    /**
     * Commits with {@code commitOnce}, called once per commit (from the thread that requested it or the one
     * that completed the commit before).
     */
    public SerialCommits(Supplier<Mono<Void>> commitOnce) {
        this.commitOnce = Objects.requireNonNull(commitOnce, "commitOnce");
    }

    /**
     * Requests a commit: completes once a commit started after this call completed, or with its error. Lazy:
     * the request is made on subscription.
     */
    public Mono<Void> commit() {
        return Mono.defer(() -> {
            Sinks.Empty<Void> done = Sinks.empty();
            if (request(done)) {
                run();
            }
            return done.asMono();
        });
    }

    /** Requests a commit that nobody waits for (its failure is the commit's own to report). */
    public void commitLater() {
        if (request(null)) {
            run();
        }
    }

    /** Whether the caller must start a commit (none runs). */
    private boolean request(Sinks.Empty<Void> waiter) {
        synchronized (lock) {
            if (waiter != null) {
                waiting.add(waiter);
            }
            if (running) {
                again = true;
                return false;
            }
            running = true;
            return true;
        }
    }

    private void run() {
        List<Sinks.Empty<Void>> batch;
        synchronized (lock) {
            batch = waiting;
            waiting = new ArrayList<>();
            again = false;
        }
        Mono<Void> once;
        try {
            once = Objects.requireNonNull(commitOnce.get(), "commitOnce returned null");
        } catch (RuntimeException e) {
            once = Mono.error(e);
        }
        once.subscribe(null, error -> done(batch, error), () -> done(batch, null));
    }

    private void done(List<Sinks.Empty<Void>> batch, Throwable error) {
        boolean more;
        synchronized (lock) {
            more = again;
            if (!more) {
                running = false;
            }
        }
        for (Sinks.Empty<Void> waiter : batch) {
            if (error == null) {
                waiter.tryEmitEmpty();
            } else {
                waiter.tryEmitError(error);
            }
        }
        if (more) {
            run();
        }
    }
}
