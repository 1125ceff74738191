package io.github.ddbstreams.lease.internal.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * One worker's view of the shared virtual clock, as a process sees it: while paused (a GC pause, SIGSTOP) nothing
 * of it runs, timers and replies wait and run, in order, when it resumes (a periodic timer fires once, as an
 * overdue tick); once dead nothing of it runs again.
 */
public final class WorkerClock implements Scheduler {

    private final VirtualTimeScheduler clock;
    private final List<Runnable> deferred = new ArrayList<>();
    private boolean paused;
    private boolean dead;

    private final String name;

    public WorkerClock(VirtualTimeScheduler clock, String name) {
        this.clock = clock;
        this.name = name;
    }

    @Override
    public String toString() {
        return name;
    }

    public boolean paused() {
        return paused;
    }

    public boolean dead() {
        return dead;
    }

    public void pause() {
        paused = true;
    }

    public void resume() {
        paused = false;
        List<Runnable> due = new ArrayList<>(deferred);
        deferred.clear();
        for (Runnable task : due) {
            run(task);
        }
    }

    public void kill() {
        dead = true;
        deferred.clear();
    }

    /** A reply reaching this worker after a delay. */
    void deliver(Runnable reply, long delayMillis) {
        clock.schedule(() -> run(reply), delayMillis, TimeUnit.MILLISECONDS);
    }

    private void run(Runnable task) {
        if (dead) {
            return;
        }
        if (paused) {
            deferred.add(task);
        } else {
            task.run();
        }
    }

    @Override
    public Disposable schedule(Runnable task) {
        return clock.schedule(() -> run(task));
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        return clock.schedule(() -> run(task), delay, unit);
    }

    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
        AtomicBoolean overdue = new AtomicBoolean();
        Disposable.Swap timer = Disposables.swap();
        timer.update(clock.schedulePeriodically(() -> {
            if (dead || timer.isDisposed()) {
                return;
            }
            if (!paused) {
                task.run();
            } else if (overdue.compareAndSet(false, true)) {
                deferred.add(() -> {
                    overdue.set(false);
                    if (!timer.isDisposed()) {
                        task.run();
                    }
                });
            }
        }, initialDelay, period, unit));
        return timer;
    }

    @Override
    public long now(TimeUnit unit) {
        return clock.now(unit);
    }

    @Override
    public Worker createWorker() {
        Disposable.Composite tasks = Disposables.composite();
        return new Worker() {
            @Override
            public Disposable schedule(Runnable task) {
                return add(WorkerClock.this.schedule(task));
            }

            @Override
            public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                return add(WorkerClock.this.schedule(task, delay, unit));
            }

            @Override
            public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
                return add(WorkerClock.this.schedulePeriodically(task, initialDelay, period, unit));
            }

            private Disposable add(Disposable task) {
                tasks.add(task);
                return task;
            }

            @Override
            public void dispose() {
                tasks.dispose();
            }

            @Override
            public boolean isDisposed() {
                return tasks.isDisposed();
            }
        };
    }
}
