package io.github.ddbstreams.sink.opensearch;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ddbstreams.internal.AwsFaults;
import io.github.ddbstreams.internal.InFlightWrites;
import io.github.ddbstreams.internal.Retries;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.BatchResult.RecordFailure;
import io.github.ddbstreams.sink.ChangeSink;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.sink.internal.SinkMetrics;
import org.apache.hc.core5.http.HttpHost;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchAsyncClient;
import org.opensearch.client.opensearch._types.ErrorCause;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch.core.BulkRequest;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Writes change records to OpenSearch with the Bulk API of the opensearch-java async client: INSERT and MODIFY
 * index the new image (mapped by {@link OpenSearchSinkOptions#documentMapper()}), REMOVE deletes, under the
 * document id of the item key ({@link OpenSearchSinkOptions#documentId()}).
 *
 * <p><b>Versioning</b> (default {@link OpenSearchVersioning#SEQUENCE_NUMBER}): a replayed older change never
 * overwrites a newer document. DynamoDB sequence numbers have up to 40 digits and do not fit the {@code long}
 * of OpenSearch's external versions ({@code version_type=external_gte} needs a version ≤ 2<sup>63</sup>−1; a
 * 28-digit AWS sequence number is ~10<sup>27</sup>), and {@code ApproximateCreationDateTime} is too coarse to
 * order changes. So each write is a scripted upsert: the document stores the sequence number of the change that
 * wrote it in {@value #SEQUENCE_NUMBER_FIELD}, zero-padded to 40 digits (string order = numeric order), and the
 * painless script applies a change only when its sequence number is higher, otherwise it is a {@code noop}. A
 * REMOVE replaces the document with a tombstone — {@value #DELETED_FIELD}{@code =true},
 * {@value #DELETED_AT_FIELD} (epoch millis) and the sequence number, no item field — because a deleted document
 * would let a replayed older INSERT bring the item back. Searches must exclude tombstones, e.g. through a
 * filtered alias ({@code "filter": {"bool": {"must_not": {"term": {"ddb_deleted": true}}}}}); tombstones older
 * than the stream's 24-hour retention can never be needed again and may be purged with a delete-by-query on
 * {@value #DELETED_AT_FIELD}. The costs: a script runs per write (~4,000–4,500 docs/s on a 2-core test machine, up to ~4× slower than plain index
 * actions), documents carry the extra field, and an item attribute named like one of the fields is
 * overwritten. Sequence numbers order the changes of one item within one stream (a table's stream and its
 * shard lineage); a new stream after re-enabling the stream should write to a fresh index.
 * {@link OpenSearchVersioning#NONE} writes plain index/delete actions instead (last write wins).
 *
 * <p><b>Results</b>: per-item outcomes are reported in the {@link BatchResult}: a no-op (an older or equal
 * change) and a delete of a missing document are successes; an item rejected by the server (e.g. a mapping
 * conflict, 400) is that record's failure with an {@link OpenSearchItemException}; a record whose id, index or
 * document cannot be built fails alone with the exception thrown. Items answered 429 or 5xx (and version
 * conflicts between concurrent updates) are retried alone, and whole requests failing with 429, 5xx or an I/O
 * error are retried, {@link OpenSearchSinkOptions#maxRetries()} times with exponential backoff and jitter
 * (Reactor {@link Retry}); then the items are reported as failures, or the write fails with the request's
 * error — for {@link io.github.ddbstreams.operators.errors.ErrorHandling} to retry later or send to its failure
 * destination. The sink never acknowledges records.
 *
 * <p><b>Flow</b>: the changes of one document within a batch are collapsed to the newest (the older ones would
 * be overwritten by it; each superseded record succeeds or fails with it), then the batch is split into bulk requests of at most {@link OpenSearchSinkOptions#maxBulkActions()}
 * actions and {@link OpenSearchSinkOptions#maxBulkBytes()} bytes; at most
 * {@link OpenSearchSinkOptions#maxConcurrentRequests()} requests are in flight for the whole sink, the others
 * wait for a free slot (backpressure: nothing is buffered beyond the batches callers have in flight). With
 * sequence-number versioning a batch's requests run concurrently (order does not matter); with
 * {@code NONE} they run one after the other.
 *
 * <p><b>Lifecycle</b>: {@link #disposeLater()} refuses new writes, waits for the writes in flight and closes the
 * client the sink created for an {@link OpenSearchSinkOptions#endpoint() endpoint} (never a client the user
 * gave). Thread-safe.
 *
 * <pre>{@code
 * OpenSearchSink sink = OpenSearchSink.create(OpenSearchSinkOptions.builder()
 *     .endpoint(URI.create("http://localhost:9200")).index("orders").build());
 * receiver.receive()
 *     .transform(Batching.batches(BatchOptions.builder().maxRecords(500).build()))
 *     .transform(ErrorHandling.process(errorOptions, sink::write))
 *     .subscribe();
 * }</pre>
 */
public final class OpenSearchSink implements ChangeSink {

    /** The field holding the sequence number (40 digits, zero-padded) of the change that wrote the document. */
    public static final String SEQUENCE_NUMBER_FIELD = "ddb_sequence_number";
    /** The field marking a tombstone ({@code true}), the trace of a REMOVE. */
    public static final String DELETED_FIELD = "ddb_deleted";
    /** The field holding when a tombstone was written, in epoch milliseconds. */
    public static final String DELETED_AT_FIELD = "ddb_deleted_at";

    private static final Logger log = LoggerFactory.getLogger(OpenSearchSink.class);

    private final OpenSearchSinkOptions options;
    private final OpenSearchAsyncClient client;
    private final OpenSearchTransport ownedTransport;
    private final ObjectMapper objectMapper;
    private final SinkMetrics metrics;
    private final RequestGate gate;
    private final InFlightWrites inFlight;
    private final AtomicBoolean closeStarted = new AtomicBoolean();

    private OpenSearchSink(OpenSearchSinkOptions options) {
        this.options = options;
        this.inFlight = new InFlightWrites(() -> "OpenSearchSink " + options.name() + " is disposed");
        this.objectMapper = new ObjectMapper();
        if (options.client() != null) {
            this.client = options.client();
            this.ownedTransport = null;
        } else {
            URI endpoint = options.endpoint();
            int port = endpoint.getPort() >= 0 ? endpoint.getPort() : endpoint.getScheme().equals("https") ? 443 : 80;
            // an explicit ObjectMapper: JacksonJsonpMapper's default constructor registers every module on the classpath
            this.ownedTransport = ApacheHttpClient5TransportBuilder
                    .builder(new HttpHost(endpoint.getScheme(), endpoint.getHost(), port))
                    .setMapper(new JacksonJsonpMapper(new ObjectMapper()))
                    .build();
            this.client = new OpenSearchAsyncClient(ownedTransport);
        }
        this.metrics = SinkMetrics.create(options.name(), options.meterRegistry(), options.observationRegistry());
        this.gate = new RequestGate(options.maxConcurrentRequests());
    }

    /**
     * Creates a sink. With an {@link OpenSearchSinkOptions#endpoint() endpoint}, creates its client (no
     * connection is made before the first write).
     *
     * <pre>{@code
     * OpenSearchSink sink = OpenSearchSink.create(OpenSearchSinkOptions.builder().client(client).index("orders").build());
     * }</pre>
     */
    public static OpenSearchSink create(OpenSearchSinkOptions options) {
        Objects.requireNonNull(options, "options");
        return new OpenSearchSink(options);
    }

    /** The options of this sink. */
    public OpenSearchSinkOptions options() {
        return options;
    }

    /**
     * Writes a batch with one or more bulk requests (see the class documentation); completes with the records
     * that failed, or fails when a request kept failing as a whole. Lazy: nothing is sent before subscription;
     * may be subscribed again (idempotent writes).
     *
     * <pre>{@code
     * sink.write(RecordBatch.of(records)).map(BatchResult::isSuccess)
     * }</pre>
     *
     * @throws IllegalStateException in the Mono after {@link #disposeLater()}
     */
    @Override
    public Mono<BatchResult> write(RecordBatch batch) {
        Objects.requireNonNull(batch, "batch");
        return metrics.instrument(batch, () -> inFlight.run(() -> doWrite(batch)));
    }

    private Mono<BatchResult> doWrite(RecordBatch batch) {
        if (batch.isEmpty()) {
            return Mono.just(BatchResult.success(batch));
        }
        Queue<RecordFailure> failures = new ConcurrentLinkedQueue<>();
        Map<ChangeRecord, List<ChangeRecord>> superseded = new IdentityHashMap<>();
        List<BulkAction> actions = collapse(prepare(batch, failures), superseded);
        List<List<BulkAction>> chunks = BulkChunks.split(actions, options.maxBulkActions(), options.maxBulkBytes());
        Flux<Void> sent = options.versioning() == OpenSearchVersioning.NONE
                ? Flux.fromIterable(chunks).concatMap(chunk -> send(chunk, failures))
                : Flux.fromIterable(chunks).flatMap(chunk -> send(chunk, failures), options.maxConcurrentRequests());
        return sent.then(Mono.fromCallable(() -> {
            if (failures.isEmpty()) {
                return BatchResult.success(batch);
            }
            List<RecordFailure> all = new ArrayList<>(failures);
            for (RecordFailure failure : failures) {
                for (ChangeRecord older : superseded.getOrDefault(failure.record(), List.of())) {
                    all.add(new RecordFailure(older, failure.error()));
                }
            }
            return BatchResult.of(batch, all);
        }));
    }

    /**
     * Keeps, per document, only the action of the newest change of the batch: the older ones would be overwritten
     * by it anyway (and each repeated update of one document costs OpenSearch a refresh). A superseded record
     * shares the outcome of its newest change: it succeeds or fails with it.
     */
    private static List<BulkAction> collapse(List<BulkAction> actions, Map<ChangeRecord, List<ChangeRecord>> superseded) {
        Map<String, BulkAction> newest = new LinkedHashMap<>(actions.size() * 2);
        for (BulkAction action : actions) {
            String key = action.index() + '\u0000' + action.id();
            BulkAction previous = newest.get(key);
            if (previous == null) {
                newest.put(key, action);
                continue;
            }
            BulkAction winner = SequenceNumbers.compare(action.record().sequenceNumber(),
                    previous.record().sequenceNumber()) >= 0 ? action : previous;
            BulkAction loser = winner == action ? previous : action;
            List<ChangeRecord> losers = superseded.remove(loser.record());
            List<ChangeRecord> winnerLosers = superseded.computeIfAbsent(winner.record(), r -> new ArrayList<>());
            winnerLosers.add(loser.record());
            if (losers != null) {
                winnerLosers.addAll(losers);
            }
            newest.put(key, winner);
        }
        return newest.size() == actions.size() ? actions : new ArrayList<>(newest.values());
    }

    private List<BulkAction> prepare(RecordBatch batch, Queue<RecordFailure> failures) {
        List<BulkAction> actions = new ArrayList<>(batch.size());
        for (ChangeRecord record : batch.records()) {
            try {
                String index = Objects.requireNonNull(options.indexResolver().apply(record), "indexResolver returned null");
                String id = Objects.requireNonNull(options.documentId().apply(record), "documentId returned null");
                if (options.versioning() == OpenSearchVersioning.SEQUENCE_NUMBER) {
                    VersionScript.padded(record.sequenceNumber()); // fails this record alone when too long
                }
                if (record.eventName() == EventName.REMOVE) {
                    actions.add(BulkAction.delete(record, index, id, options.versioning()));
                } else {
                    Map<String, Object> document = Objects.requireNonNull(options.documentMapper().apply(record),
                            "documentMapper returned null");
                    actions.add(BulkAction.upsert(record, index, id, serialize(document), options.versioning()));
                }
            } catch (RuntimeException e) {
                log.debug("[{}] record {} of shard {} cannot be written: {}", options.name(), record.sequenceNumber(),
                        record.shardId(), e.toString());
                failures.add(new RecordFailure(record, e));
            }
        }
        return actions;
    }

    private RawJson serialize(Map<String, Object> document) {
        try {
            return new RawJson(objectMapper.writeValueAsString(document));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the document cannot be serialized to JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Sends one chunk, retrying the whole request or its retryable items; adds permanent failures. */
    private Mono<Void> send(List<BulkAction> chunk, Queue<RecordFailure> failures) {
        Attempt attempt = new Attempt(chunk);
        return Mono.defer(() -> gate.run(() -> bulk(attempt.pending)))
                .flatMap(response -> attempt.apply(response, failures))
                .retryWhen(Retries.retry(options.retry(), options.scheduler(), "[" + options.name() + "] bulk request of "
                        + chunk.size() + " actions", OpenSearchSink::isRetryable, Retries.Observer.NONE,
                        Retries::lastFailure))
                .onErrorResume(RetryableItems.class, e -> {
                    for (int i = 0; i < attempt.pending.size(); i++) {
                        failures.add(new RecordFailure(attempt.pending.get(i).record(), attempt.errors.get(i)));
                    }
                    return Mono.empty();
                });
    }

    private Mono<BulkResponse> bulk(List<BulkAction> actions) {
        return Mono.defer(() -> {
            long now = options.scheduler().now(TimeUnit.MILLISECONDS);
            List<BulkOperation> operations = new ArrayList<>(actions.size());
            for (BulkAction action : actions) {
                operations.add(action.toOperation(now));
            }
            BulkRequest request = new BulkRequest.Builder().operations(operations).refresh(options.refresh()).build();
            try {
                return Mono.fromFuture(client.bulk(request));
            } catch (IOException e) {
                return Mono.error(e);
            }
        });
    }

    /** The state of one chunk across retries: the actions still to send and their last errors. */
    private static final class Attempt {
        List<BulkAction> pending;
        List<OpenSearchItemException> errors = List.of();

        Attempt(List<BulkAction> chunk) {
            this.pending = chunk;
        }

        Mono<Void> apply(BulkResponse response, Queue<RecordFailure> failures) {
            List<BulkResponseItem> items = response.items();
            if (items.size() != pending.size()) {
                return Mono.error(new IllegalStateException("bulk response has " + items.size() + " items for "
                        + pending.size() + " actions"));
            }
            if (!response.errors()) {
                pending = List.of();
                return Mono.empty();
            }
            List<BulkAction> retry = new ArrayList<>();
            List<OpenSearchItemException> retryErrors = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                BulkResponseItem item = items.get(i);
                ErrorCause error = item.error();
                if (error == null) {
                    continue;
                }
                BulkAction action = pending.get(i);
                OpenSearchItemException exception = new OpenSearchItemException(item.status(), error.type(),
                        reason(error), item.index());
                if (isRetryableStatus(item.status())) {
                    retry.add(action);
                    retryErrors.add(exception);
                } else {
                    log.debug("record {} of shard {} rejected by index {}: status {}, {}", action.record().sequenceNumber(),
                            action.record().shardId(), item.index(), item.status(), error.type());
                    failures.add(new RecordFailure(action.record(), exception));
                }
            }
            pending = retry;
            errors = retryErrors;
            return retry.isEmpty() ? Mono.empty() : Mono.error(new RetryableItems(retry.size()));
        }
    }

    /** The error's reason followed by its causes' (e.g. a script's compile error under "failed to execute script"). */
    private static String reason(ErrorCause error) {
        StringBuilder reason = new StringBuilder(String.valueOf(error.reason()));
        int depth = 0;
        for (ErrorCause cause = error.causedBy(); cause != null && depth < 3; cause = cause.causedBy(), depth++) {
            reason.append("; caused by ").append(cause.type()).append(": ").append(cause.reason());
        }
        return reason.toString();
    }

    /** Signals, inside the retry loop, that some items of a bulk response are to be sent again. */
    private static final class RetryableItems extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RetryableItems(int count) {
            super(count + " items answered 429/5xx", null, false, false);
        }
    }

    static boolean isRetryableStatus(int status) {
        return status == 429 || status == 409 || status >= 500;
    }

    /**
     * Items answered 429/5xx, a request answered 429 or 5xx (OpenSearch's own statuses), or what the library's
     * classifier deems transient ({@link AwsFaults#isRetryable}: I/O failures, timeouts; not an interrupt).
     */
    static boolean isRetryable(Throwable error) {
        if (error instanceof RetryableItems) {
            return true;
        }
        Throwable e = AwsFaults.unwrap(error);
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof OpenSearchException os) {
                return os.status() == 429 || os.status() >= 500;
            }
        }
        return AwsFaults.isRetryable(e);
    }

    /** {@value OpenSearchSinkOptions#DEFAULT_NAME} unless the options named it otherwise. */
    @Override
    public String name() {
        return options.name();
    }

    /**
     * Refuses new writes, waits until the writes in flight finished, then closes the client the sink created
     * (never a client the user gave). Lazy; idempotent.
     *
     * <pre>{@code
     * sink.disposeLater().block(Duration.ofSeconds(30));
     * }</pre>
     */
    @Override
    public Mono<Void> disposeLater() {
        return Mono.defer(() -> inFlight.drain().then(Mono.fromRunnable(this::closeOwnedTransport)));
    }

    private void closeOwnedTransport() {
        if (ownedTransport != null && closeStarted.compareAndSet(false, true)) {
            try {
                ownedTransport.close();
            } catch (IOException e) {
                log.warn("[{}] closing the OpenSearch client failed: {}", options.name(), e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "OpenSearchSink{" + options + "}";
    }
}
