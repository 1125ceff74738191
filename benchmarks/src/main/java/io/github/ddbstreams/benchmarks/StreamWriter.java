package io.github.ddbstreams.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/** Writes the benchmark's items: ~200-byte items (a key, a number and a 160-character string) with distinct keys. */
final class StreamWriter {

    private static final int BATCH = 25;
    private static final int MAX_PUTS_IN_FLIGHT = 32;
    private static final String FILLER = "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. "
            + "Sphinx of black quartz, judge my vow. How vexingly quick daft zebras jump!!";

    private final DynamoDbAsyncClient client;

    StreamWriter(DynamoDbAsyncClient client) {
        this.client = client;
    }

    static String key(String prefix, long i) {
        return prefix + i;
    }

    static Map<String, AttributeValue> item(String pk, long i) {
        return Map.of(
                "pk", AttributeValue.fromS(pk),
                "n", AttributeValue.fromN(Long.toString(i)),
                "payload", AttributeValue.fromS(FILLER.substring(0, 160)));
    }

    /** Writes {@code count} items {@code prefix0..prefix(count-1)} with BatchWriteItem, {@code concurrency} batches in flight. Blocks. */
    void bulkLoad(String table, String prefix, int count, int concurrency) {
        Flux.range(0, (count + BATCH - 1) / BATCH)
                .flatMap(b -> {
                    List<WriteRequest> writes = new ArrayList<>(BATCH);
                    for (int i = b * BATCH; i < Math.min(count, (b + 1) * BATCH); i++) {
                        writes.add(WriteRequest.builder().putRequest(PutRequest.builder()
                                .item(item(key(prefix, i), i)).build()).build());
                    }
                    return batchWrite(Map.of(table, writes));
                }, concurrency)
                .blockLast();
    }

    private Mono<Void> batchWrite(Map<String, List<WriteRequest>> writes) {
        return Mono.fromFuture(() -> client.batchWriteItem(r -> r.requestItems(writes)))
                .flatMap((BatchWriteItemResponse response) -> response.unprocessedItems().isEmpty()
                        ? Mono.<Void>empty()
                        : batchWrite(response.unprocessedItems()));
    }

    /**
     * Puts {@code count} items {@code prefix0..} at {@code perSecond} puts per second (one PutItem each, not
     * waiting for the previous one), recording each put's completion time ({@link System#nanoTime()}) in
     * {@code completedNanos}. Blocks until every put completed.
     */
    void steady(String table, String prefix, int count, int perSecond, AtomicLongArray completedNanos) {
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
        long next = System.nanoTime();
        List<CompletableFuture<?>> puts = new ArrayList<>(count);
        // bounds the puts in flight, so a slow server slows the writer down instead of exhausting connections
        Semaphore inFlight = new Semaphore(MAX_PUTS_IN_FLIGHT);
        for (int i = 0; i < count; i++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            next += periodNanos;
            inFlight.acquireUninterruptibly();
            int index = i;
            puts.add(client.putItem(r -> r.tableName(table).item(item(key(prefix, index), index)))
                    .whenComplete((response, error) -> {
                        completedNanos.set(index, System.nanoTime());
                        inFlight.release();
                    }));
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).join();
    }

    /** Puts one item. Blocks. */
    void put(String table, String pk, long n) {
        client.putItem(r -> r.tableName(table).item(item(pk, n))).join();
    }
}
