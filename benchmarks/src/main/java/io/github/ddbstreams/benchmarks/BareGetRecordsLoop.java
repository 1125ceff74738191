package io.github.ddbstreams.benchmarks;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * Contender (a), the ceiling: one thread calling GetRecords (limit 1000) in a loop on the first shard of the
 * stream with the same async client as the receiver, no conversion, no checkpoint; it sleeps
 * {@code emptyPauseMillis} after an empty response.
 */
final class BareGetRecordsLoop implements Contender {

    private static final Logger log = LoggerFactory.getLogger(BareGetRecordsLoop.class);

    private final DynamoDbStreamsAsyncClient streams;
    private final long emptyPauseMillis;
    private volatile boolean stopped;
    private Thread thread;

    BareGetRecordsLoop(DynamoDbStreamsAsyncClient streams, long emptyPauseMillis) {
        this.streams = streams;
        this.emptyPauseMillis = emptyPauseMillis;
    }

    @Override
    public void start(String streamArn, RecordListener listener) {
        thread = new Thread(() -> run(streamArn, listener), "bare-getrecords");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String streamArn, RecordListener listener) {
        try {
            Shard shard = streams.describeStream(b -> b.streamArn(streamArn)).join().streamDescription().shards().get(0);
            String iterator = streams.getShardIterator(b -> b.streamArn(streamArn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).join().shardIterator();
            while (!stopped && iterator != null) {
                String current = iterator;
                GetRecordsResponse response = streams.getRecords(b -> b.shardIterator(current).limit(1000)).join();
                for (Record record : response.records()) {
                    listener.onRecord(record.dynamodb().keys().get("pk").s());
                }
                iterator = response.nextShardIterator();
                if (response.records().isEmpty() && emptyPauseMillis > 0) {
                    TimeUnit.MILLISECONDS.sleep(emptyPauseMillis);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (!stopped) {
                log.error("Bare GetRecords loop failed", e);
            }
        }
    }

    @Override
    public void close() {
        stopped = true;
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
