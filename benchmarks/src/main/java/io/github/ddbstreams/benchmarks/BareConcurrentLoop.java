package io.github.ddbstreams.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * The ceiling of the scale benchmark: every shard of the stream read from TRIM_HORIZON by {@code threads}
 * threads, each taking the next due shard, calling GetRecords (limit 1000) and putting the shard back, due at
 * once after records or {@code emptyPauseMillis} after an empty answer; no conversion, no checkpoint, no
 * lineage (every listed shard is read at once). So at most {@code threads} calls are in flight, the same bound
 * as the receiver's {@code maxConcurrentCalls}.
 */
final class BareConcurrentLoop implements Contender {

    private static final Logger log = LoggerFactory.getLogger(BareConcurrentLoop.class);

    private final DynamoDbStreamsAsyncClient streams;
    private final int threads;
    private final long emptyPauseMillis;
    private final DelayQueue<ShardTurn> due = new DelayQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean stopped;

    BareConcurrentLoop(DynamoDbStreamsAsyncClient streams, int threads, long emptyPauseMillis) {
        this.streams = streams;
        this.threads = threads;
        this.emptyPauseMillis = emptyPauseMillis;
    }

    @Override
    public void start(String streamArn, RecordListener listener) {
        Thread starter = new Thread(() -> {
            try {
                List<Shard> shards = new ArrayList<>();
                String last = null;
                do {
                    String from = last;
                    DescribeStreamResponse page;
                    try {
                        page = streams.describeStream(b -> b.streamArn(streamArn).exclusiveStartShardId(from)).join();
                    } catch (CompletionException e) {
                        if (!(e.getCause() instanceof LimitExceededException)) {
                            throw e;
                        }
                        TimeUnit.MILLISECONDS.sleep(200);  // DescribeStream: 10 calls/s
                        continue;
                    }
                    shards.addAll(page.streamDescription().shards());
                    last = page.streamDescription().lastEvaluatedShardId();
                } while (last != null && !stopped);
                for (Shard shard : shards) {
                    due.add(new ShardTurn(shard.shardId(), null, 0));
                }
                for (int i = 0; i < threads; i++) {
                    Thread t = new Thread(() -> work(streamArn, listener), "bare-concurrent-" + i);
                    t.setDaemon(true);
                    workers.add(t);
                    t.start();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.error("Bare concurrent loop could not list the shards", e);
            }
        }, "bare-concurrent-start");
        starter.setDaemon(true);
        workers.add(starter);
        starter.start();
    }

    private void work(String streamArn, RecordListener listener) {
        while (!stopped) {
            ShardTurn turn;
            try {
                turn = due.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (turn == null) {
                continue;
            }
            try {
                String iterator = turn.iterator != null ? turn.iterator
                        : streams.getShardIterator(b -> b.streamArn(streamArn).shardId(turn.shardId)
                                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator();
                GetRecordsResponse response = streams.getRecords(b -> b.shardIterator(iterator).limit(1000)).join();
                for (Record record : response.records()) {
                    listener.onRecord(record.dynamodb().keys().get("pk").s());
                }
                if (response.nextShardIterator() != null) {
                    long pause = response.records().isEmpty() ? emptyPauseMillis : 0;
                    due.add(new ShardTurn(turn.shardId, response.nextShardIterator(),
                            System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause)));
                }
            } catch (RuntimeException e) {
                if (!stopped) {
                    log.warn("Bare concurrent loop: shard {} failed ({}); retrying in 1 s", turn.shardId, e.toString());
                    due.add(new ShardTurn(turn.shardId, turn.iterator, System.nanoTime() + TimeUnit.SECONDS.toNanos(1)));
                }
            }
        }
    }

    @Override
    public void close() {
        stopped = true;
        for (Thread t : workers) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A shard due for its next call at {@code dueNanos} ({@link System#nanoTime()}); iterator null before the first. */
    private record ShardTurn(String shardId, String iterator, long dueNanos) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(dueNanos, ((ShardTurn) other).dueNanos);
        }
    }
}
