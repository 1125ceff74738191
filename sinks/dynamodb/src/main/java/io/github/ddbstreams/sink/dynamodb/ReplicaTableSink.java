package io.github.ddbstreams.sink.dynamodb;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.internal.AwsFaults;
import io.github.ddbstreams.internal.InFlightWrites;
import io.github.ddbstreams.internal.Retries;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.ItemKey;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.BatchResult.RecordFailure;
import io.github.ddbstreams.sink.ChangeSink;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.sink.internal.SinkMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClientBuilder;

/**
 * A {@link ChangeSink} that replays change records into another DynamoDB table — in any region or endpoint — so
 * that it becomes, and stays, a replica of the source table.
 *
 * <p><b>What is written.</b> INSERT and MODIFY put the record's new image (through the
 * {@link ReplicaTableSinkOptions#itemTransformer() item transformer}); REMOVE writes a tombstone (the key, the
 * sequence attribute and {@code _ddbstreams_deleted = true}) or, with {@link RemoveMode#DELETE}, deletes the
 * item. Each item gets a hidden attribute, {@code _ddbstreams_seq} by default, holding the sequence number of
 * the change it reflects, zero-padded to 40 digits so that it sorts as a string.
 *
 * <p><b>Never regresses.</b> Every write is conditional:
 * {@code attribute_not_exists(#seq) OR #seq < :seq}. A change older than (or equal to) the stored one fails the
 * condition, which the sink counts as success: the replica already holds something at least as new. So replays
 * (after a restart, a retry, or a re-read from TRIM_HORIZON) and writes that overtake each other never move an
 * item back in time. Sequence numbers of one item's changes grow across the shards of a stream (a child shard's
 * records follow its parent's), which is what makes them a valid position for the item. Tombstones keep the
 * position of deleted items, so a replayed older INSERT cannot resurrect them; readers of the replica must skip
 * items with the deleted marker, and tombstones can be purged with a time to live (see
 * {@link ReplicaTableSinkOptions.Builder#tombstoneTimeToLive}).
 *
 * <p><b>Batches.</b> BatchWriteItem takes no conditions, so each change is its own PutItem or DeleteItem. In a
 * batch, only the last record of each item key is written (it has the highest sequence number, so it subsumes
 * the others, which count as written); the writes run concurrently, at most
 * {@link ReplicaTableSinkOptions#maxConcurrency()} at a time per batch. Throttled, 5xx and I/O-failed writes are
 * retried with exponential backoff and jitter ({@link ReplicaTableSinkOptions#maxRetries()}) on top of the
 * SDK's own retries; a write that still fails, or that the table rejects (validation: an item over 400 KB, a key
 * of the wrong type, a missing table), is reported as that record's failure in the {@link BatchResult}, for
 * {@link io.github.ddbstreams.operators.errors.ErrorHandling} to retry or send to its failure destination. The returned
 * Mono does not fail for record errors.
 *
 * <p><b>Memory and concurrency.</b> Holds one request per distinct key of the batches in flight; at most
 * {@code maxConcurrency} requests per batch are in flight, so at most {@code maxConcurrency × batches in flight}
 * (ErrorHandling's {@code concurrency}) in all. Thread-safe; never blocks.
 *
 * <p><b>Lifecycle.</b> A client given in the options is never closed; a client the sink created (from a region
 * and endpoint) is closed by {@link #disposeLater()}, after the writes in flight have finished.
 *
 * <pre>{@code
 * ReplicaTableSink sink = ReplicaTableSink.create(ReplicaTableSinkOptions.builder()
 *     .client(euWestClient).tableName("orders-replica").build());
 * receiver.receive()
 *     .transform(Batching.batches(BatchOptions.builder().maxRecords(100).build()))
 *     .transform(ErrorHandling.process(errorOptions, sink::write))
 *     .subscribe();
 * }</pre>
 */
public final class ReplicaTableSink implements ChangeSink {

    private static final Logger log = LoggerFactory.getLogger(ReplicaTableSink.class);

    private final ReplicaTableSinkOptions options;
    private final DynamoDbAsyncClient client;
    private final boolean ownsClient;
    private final ReplicaWrites writes;
    private final SinkMetrics metrics;
    private final Retry retry;

    private final InFlightWrites inFlight = new InFlightWrites(() -> this + " is disposed");
    private final Mono<Void> disposal;

    private ReplicaTableSink(ReplicaTableSinkOptions options, DynamoDbAsyncClient client, boolean ownsClient) {
        this.options = options;
        this.client = client;
        this.ownsClient = ownsClient;
        this.writes = new ReplicaWrites(options);
        this.metrics = SinkMetrics.create(options.name(), options.meterRegistry(), options.observationRegistry());
        this.retry = Retries.retry(options.retry(), options.scheduler(), "Write to table '" + options.tableName() + "'",
                ReplicaTableSink::isTransient, Retries.Observer.NONE, Retries::lastFailure);
        this.disposal = Mono.defer(inFlight::drain).then(Mono.<Void>fromRunnable(this::closeOwnedClient)).cache();
    }

    /**
     * Creates a sink writing to the options' table, through the options' client or a client it creates for the
     * options' region and endpoint. Makes no call to DynamoDB; the table must exist.
     *
     * <pre>{@code
     * ReplicaTableSink sink = ReplicaTableSink.create(ReplicaTableSinkOptions.builder()
     *     .region(Region.EU_WEST_1).tableName("orders-replica").build());
     * }</pre>
     */
    public static ReplicaTableSink create(ReplicaTableSinkOptions options) {
        Objects.requireNonNull(options, "options");
        if (options.client().isPresent()) {
            return new ReplicaTableSink(options, options.client().get(), false);
        }
        DynamoDbAsyncClientBuilder builder = DynamoDbAsyncClient.builder()
                .region(options.region().orElseThrow())
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .maxConcurrency(Math.max(50, options.maxConcurrency() * 4)));
        options.endpoint().ifPresent(builder::endpointOverride);
        options.credentialsProvider().ifPresent(builder::credentialsProvider);
        return new ReplicaTableSink(options, builder.build(), true);
    }

    /** The options of this sink. */
    public ReplicaTableSinkOptions options() {
        return options;
    }

    /**
     * Applies the batch's changes to the replica table, as described in the class documentation.
     *
     * <pre>{@code
     * sink.write(RecordBatch.of(records)).map(BatchResult::failures)
     * }</pre>
     *
     * @return the records that could not be written (a record whose change is older than the stored item's counts
     *     as written); an error only when the sink is disposed
     */
    @Override
    public Mono<BatchResult> write(RecordBatch batch) {
        Objects.requireNonNull(batch, "batch");
        return metrics.instrument(batch, () -> inFlight.run(() -> doWrite(batch)));
    }

    /** {@value ReplicaTableSinkOptions#DEFAULT_NAME} unless set in the options. */
    @Override
    public String name() {
        return options.name();
    }

    /**
     * Stops accepting writes, waits for those in flight, then closes the client if the sink created it.
     * Lazy and idempotent: every subscription gets the same outcome.
     *
     * <pre>{@code
     * sink.disposeLater().block(Duration.ofSeconds(30));
     * }</pre>
     */
    @Override
    public Mono<Void> disposeLater() {
        return disposal;
    }

    @Override
    public String toString() {
        return "ReplicaTableSink{tableName=" + options.tableName() + ", name=" + options.name() + "}";
    }

    private Mono<BatchResult> doWrite(RecordBatch batch) {
        return Mono.defer(() -> {
            if (batch.isEmpty()) {
                return Mono.just(BatchResult.success(batch));
            }
            List<ChangeRecord> latest = latestPerKey(batch.records());
            long now = options.scheduler().now(TimeUnit.SECONDS);
            return Flux.fromIterable(latest)
                    .flatMap(record -> writeOne(record, now), options.maxConcurrency())
                    .collectList()
                    .map(failures -> {
                        if (log.isDebugEnabled()) {
                            log.debug("Replicated {} to '{}': {} writes for {} records, {} failed", batch,
                                    options.tableName(), latest.size(), batch.size(), failures.size());
                        }
                        return failures.isEmpty() ? BatchResult.success(batch) : BatchResult.of(batch, failures);
                    });
        });
    }

    /** Emits a failure for the record, or completes empty when it was written (or was older than the replica). */
    private Mono<RecordFailure> writeOne(ChangeRecord record, long nowEpochSeconds) {
        ReplicaWrites.Write write;
        try {
            write = writes.writeFor(record, nowEpochSeconds);
        } catch (RuntimeException e) { // a bad record or a failing transformer: this record's failure
            return Mono.just(failure(record, e));
        }
        if (write == null) {
            return Mono.empty();
        }
        Mono<?> call = write instanceof ReplicaWrites.Put put
                ? Mono.fromFuture(() -> client.putItem(put.request()))
                : Mono.fromFuture(() -> client.deleteItem(((ReplicaWrites.Delete) write).request()));
        return call.retryWhen(retry)
                .then(Mono.<RecordFailure>empty())
                .onErrorResume(e -> {
                    Throwable cause = AwsFaults.unwrap(e);
                    if (AwsFaults.isConditionFailed(cause)) {
                        // the replica holds this change or a newer one: nothing to do
                        return Mono.empty();
                    }
                    return Mono.just(failure(record, cause));
                });
    }

    private RecordFailure failure(ChangeRecord record, Throwable error) {
        // position only, never item contents; transient failures (an outage) are ErrorHandling's to report
        if (isTransient(error)) {
            log.debug("Could not replicate record {} of shard {} to table '{}': {}", record.sequenceNumber(),
                    record.shardId(), options.tableName(), error.toString());
        } else {
            log.warn("Could not replicate record {} of shard {} to table '{}': {}", record.sequenceNumber(),
                    record.shardId(), options.tableName(), error.toString());
        }
        return new RecordFailure(record, error);
    }

    /**
     * The last record of each item ({@link ChangeRecord#itemKey()}: keys compared as DynamoDB compares them, so
     * a number key written as {@code 1} and as {@code 1.0} is one item), in batch order of those last records.
     */
    static List<ChangeRecord> latestPerKey(List<ChangeRecord> records) {
        Map<Object, ChangeRecord> last = new LinkedHashMap<>(records.size() * 4 / 3 + 1);
        for (ChangeRecord record : records) {
            Object key = keyOf(record);
            last.remove(key); // re-insert so the order is that of the last occurrences
            last.put(key, record);
        }
        return new ArrayList<>(last.values());
    }

    private static Object keyOf(ChangeRecord record) {
        ItemKey key;
        try {
            // canonical: 1 and 1.0 are one item to DynamoDB, whichever form each request wrote
            key = record.itemKey();
        } catch (IllegalArgumentException e) {
            return record; // no DynamoDB key: never collapsed, its write fails as this record's failure
        }
        if (key.isEmpty()) {
            return record; // cannot tell its item: never collapsed
        }
        // The stream ARN is part of the key: records of different tables are different items.
        return List.of(record.streamArn() == null ? "" : record.streamArn(), key);
    }

    /** Throttled, 5xx, timed-out and I/O-failed writes are retried ({@link AwsFaults#isRetryable}). */
    static boolean isTransient(Throwable error) {
        return AwsFaults.isRetryable(error);
    }

    private void closeOwnedClient() {
        if (ownsClient) {
            client.close();
            log.debug("Closed the DynamoDB client of {}", this);
        }
    }
}
