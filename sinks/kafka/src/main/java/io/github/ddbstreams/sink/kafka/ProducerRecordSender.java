package io.github.ddbstreams.sink.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Sends with a plain kafka-clients {@link Producer}: {@code send(record, callback)} bridged to a {@link Mono}.
 *
 * <p>Threads: {@code Producer.send} may block its caller up to {@code max.block.ms} (metadata of a topic not yet
 * known, a full {@code buffer.memory}), so the metadata wait and every {@code send} run in a task on the send
 * scheduler, never on the subscriber's thread; one task at a time per write, so a write's records are handed over in
 * order. Callbacks come on the producer's I/O thread: they record the outcome and free an in-flight slot, and only a
 * write that ran out of slots with records left is scheduled again (a batch within {@code maxInFlight} costs the I/O
 * thread no scheduling at all). The result is emitted on the send scheduler, never on the I/O thread.
 */
final class ProducerRecordSender implements RecordSender {

    private final Producer<byte[], byte[]> producer;
    private final boolean ownsProducer;
    private final Scheduler scheduler;
    private final boolean ownsScheduler;
    private final int maxInFlight;
    private final Duration closeTimeout;

    ProducerRecordSender(Producer<byte[], byte[]> producer, boolean ownsProducer, Scheduler scheduler,
            boolean ownsScheduler, int maxInFlight, Duration closeTimeout) {
        this.producer = producer;
        this.ownsProducer = ownsProducer;
        this.scheduler = scheduler;
        this.ownsScheduler = ownsScheduler;
        this.maxInFlight = maxInFlight;
        this.closeTimeout = closeTimeout;
    }

    @Override
    public Mono<Throwable[]> send(List<ProducerRecord<byte[], byte[]>> records, Set<String> topics) {
        if (records.isEmpty()) {
            return Mono.just(new Throwable[0]);
        }
        return Mono.<Throwable[]>create(sink -> {
            Write write = new Write(records, topics, sink);
            sink.onCancel(write::cancel);
            write.schedule();
        }).publishOn(scheduler);
    }

    /** One write's sends: a drain loop (one thread at a time, guarded by {@code wip}) and the callbacks. */
    private final class Write implements Runnable {
        private final List<ProducerRecord<byte[], byte[]>> records;
        private final Set<String> topics;
        private final MonoSink<Throwable[]> sink;
        private final AtomicReferenceArray<Throwable> errors;
        private final AtomicInteger wip = new AtomicInteger();
        private final AtomicInteger freeSlots = new AtomicInteger(maxInFlight);
        private final AtomicInteger unacknowledged;
        private volatile boolean stopped;
        // touched by the drain loop only
        private int next;
        private boolean metadataKnown;

        Write(List<ProducerRecord<byte[], byte[]>> records, Set<String> topics, MonoSink<Throwable[]> sink) {
            this.records = records;
            this.topics = topics;
            this.sink = sink;
            this.errors = new AtomicReferenceArray<>(records.size());
            this.unacknowledged = new AtomicInteger(records.size());
        }

        void schedule() {
            if (wip.getAndIncrement() == 0) {
                try {
                    scheduler.schedule(this);
                } catch (RuntimeException e) { // rejected: the scheduler was disposed
                    fail(e);
                }
            }
        }

        @Override
        public void run() {
            int missed = 1;
            do {
                if (!stopped) {
                    drain();
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        /*
         * Asking for the partitions once per topic and write turns an unknown topic's metadata wait into one bounded
         * wait (max.block.ms) that fails the whole write, instead of one wait per record; cached, it is a lookup.
         * An error the producer reports through the callback (ApiException: record too large, timeout, a broker's
         * rejection) is that record's outcome; one thrown by send itself (producer closed, interrupted) fails the write.
         */
        private void drain() {
            try {
                if (!metadataKnown) {
                    topics.forEach(producer::partitionsFor);
                    metadataKnown = true;
                }
                while (!stopped && next < records.size() && freeSlots.get() > 0) {
                    freeSlots.decrementAndGet();
                    int index = next++;
                    producer.send(records.get(index), (metadata, error) -> acknowledged(index, error));
                }
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        private void acknowledged(int index, Exception error) {
            if (error != null) {
                errors.set(index, error);
            }
            if (unacknowledged.decrementAndGet() == 0) {
                Throwable[] outcome = new Throwable[records.size()];
                for (int i = 0; i < outcome.length; i++) {
                    outcome[i] = errors.get(i);
                }
                sink.success(outcome);
            } else if (freeSlots.getAndIncrement() == 0) {
                schedule(); // the loop may have stopped for want of a slot
            }
        }

        private void fail(Throwable error) {
            stopped = true;
            sink.error(error);
        }

        void cancel() {
            stopped = true; // records already handed to the producer still go out
        }
    }

    @Override
    public Mono<Void> close() {
        return Mono.<Void>fromRunnable(() -> {
            try {
                if (ownsProducer) {
                    // flushes what the producer holds: by then every send was acknowledged or expired
                    producer.close(closeTimeout);
                }
            } finally {
                if (ownsScheduler) {
                    scheduler.dispose();
                }
            }
        }).subscribeOn(Schedulers.boundedElastic());
    }
}
