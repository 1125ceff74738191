package io.github.ddbstreams.operators;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.reactivestreams.Subscription;
import reactor.core.Scannable;
import reactor.core.publisher.BaseSubscriber;

/** A subscriber for the Reactor-conventions tests: requests nothing by itself, records what it gets. */
public final class ConventionsTestSupport {

    private ConventionsTestSupport() {
    }

    public static final class Recorder<T> extends BaseSubscriber<T> {
        public final List<T> received = new CopyOnWriteArrayList<>();
        public volatile Throwable error;
        public volatile boolean completed;
        private volatile Subscription subscription;

        @Override
        protected void hookOnSubscribe(Subscription s) {
            subscription = s;
        }

        @Override
        protected void hookOnNext(T value) {
            received.add(value);
        }

        @Override
        protected void hookOnError(Throwable t) {
            error = t;
        }

        @Override
        protected void hookOnComplete() {
            completed = true;
        }

        /** The operator's subscriber: the Subscription this recorder was given. */
        public Scannable operator() {
            return Scannable.from(subscription);
        }
    }
}
