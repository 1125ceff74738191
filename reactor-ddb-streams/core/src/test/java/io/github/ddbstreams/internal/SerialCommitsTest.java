package io.github.ddbstreams.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class SerialCommitsTest {

    /** Commits held open until the test completes them, with the state each one read when it started. */
    private final List<Sinks.Empty<Void>> started = new ArrayList<>();
    private final List<Integer> startedAtState = new ArrayList<>();
    private final AtomicInteger state = new AtomicInteger();
    private final SerialCommits commits = new SerialCommits(() -> {
        Sinks.Empty<Void> commit = Sinks.empty();
        started.add(commit);
        startedAtState.add(state.get());
        return commit.asMono();
    });

    @Test
    void commit_whileOneRuns_waitsForTheNextCommit() {
        state.set(1);
        var firstWaiter = commits.commit().toFuture();
        state.set(2);
        var secondWaiter = commits.commit().toFuture();
        assertThat(started).as("one commit at a time").hasSize(1);
        assertThat(startedAtState).containsExactly(1);

        started.get(0).tryEmitEmpty();
        assertThat(firstWaiter).isCompleted();
        assertThat(secondWaiter).as("requested after the first commit started").isNotDone();
        assertThat(started).as("the next commit started once the first was done").hasSize(2);
        assertThat(startedAtState).containsExactly(1, 2);

        started.get(1).tryEmitEmpty();
        assertThat(secondWaiter).isCompleted();
        assertThat(started).as("nothing requested since").hasSize(2);
    }

    @Test
    void commit_requestsDuringOneCommit_areServedTogetherByTheNext() {
        var running = commits.commit().toFuture();
        var a = commits.commit().toFuture();
        var b = commits.commit().toFuture();
        commits.commitLater();

        started.get(0).tryEmitEmpty();

        assertThat(running).isCompleted();
        assertThat(started).as("one more commit for every request made meanwhile").hasSize(2);
        started.get(1).tryEmitEmpty();
        assertThat(a).isCompleted();
        assertThat(b).isCompleted();
        assertThat(started).hasSize(2);
    }

    @Test
    void commit_whenTheCommitFails_failsItsWaitersAndTheNextOneStillRuns() {
        var failing = commits.commit().toFuture();
        var next = commits.commit().toFuture();
        IllegalStateException boom = new IllegalStateException("store down");

        started.get(0).tryEmitError(boom);

        assertThat(failing).isCompletedExceptionally();
        assertThat(failing).failsWithin(java.time.Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class).withCause(boom);
        assertThat(next).isNotDone();
        started.get(1).tryEmitEmpty();
        assertThat(next).isCompleted();
    }

    @Test
    void commit_whenCommitOnceThrows_failsTheWaiter() {
        SerialCommits throwing = new SerialCommits(() -> {
            throw new IllegalArgumentException("bad checkpoint");
        });

        StepVerifier.create(throwing.commit())
                .expectErrorMessage("bad checkpoint")
                .verify();
        StepVerifier.create(throwing.commit())
                .as("not stuck after a failure")
                .expectErrorMessage("bad checkpoint")
                .verify();
    }

    @Test
    void commit_fromAWaitersCompletion_startsANewCommit() {
        AtomicInteger completed = new AtomicInteger();
        commits.commit().then(Mono.defer(() -> commits.commit())).subscribe(null, null, completed::incrementAndGet);

        started.get(0).tryEmitEmpty();
        assertThat(started).as("requested from the first commit's completion").hasSize(2);
        started.get(1).tryEmitEmpty();

        assertThat(completed).hasValue(1);
    }
}
