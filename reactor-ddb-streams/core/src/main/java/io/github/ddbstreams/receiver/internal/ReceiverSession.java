package io.github.ddbstreams.receiver.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.lease.internal.Lease;
import io.github.ddbstreams.lease.internal.LeaseCoordinator;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StartPosition;
import io.github.ddbstreams.receiver.StreamUnavailableException;
import io.github.ddbstreams.receiver.TrimmedDataEvent;
import io.github.ddbstreams.receiver.TrimmedDataException;
import io.github.ddbstreams.receiver.TrimmedDataPolicy;
import io.github.ddbstreams.record.ChangeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.GroupedFlux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * One subscription's reading of a stream.
 *
 * <p>All reading state is confined to a serialized drain loop ({@link #post(Runnable)}): SDK responses,
 * timers, downstream requests and cancellation are queued as tasks and run one at a time, so the state
 * needs no locks. Acknowledgements go straight to the thread-safe {@link ShardCheckpointer}s.
 */
final class ReceiverSession {

    private static final Logger log = LoggerFactory.getLogger(ReceiverSession.class);

    private final ReceiverOptions options;
    private final DynamoDbStreamsAsyncClient streams;
    private final DynamoDbAsyncClient dynamoDb;
    private volatile CheckpointStore store;
    private volatile LeaseCoordinator leases;
    private final Scheduler scheduler;
    private final Runnable closeOwnedResources;

    private final FluxSink<ChangeRecord> sink;
    private final FluxSink<GroupedFlux<String, ChangeRecord>> groupsSink;

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();

    private final Map<String, ShardReader> shards = new LinkedHashMap<>();
    private final List<ShardReader> reading = new ArrayList<>();
    private final ArrayDeque<ShardReader> groupsToEmit = new ArrayDeque<>();
    private final Map<String, ShardCheckpointer> checkpointers = new ConcurrentHashMap<>();
    private final Disposable.Composite timers = Disposables.composite();

    private final Object commitLock = new Object();
    private List<Sinks.Empty<Void>> commitsWaiting = new ArrayList<>();
    private boolean committing;
    private boolean commitsClosed;

    private volatile ReceiverMetrics metrics = new ReceiverMetrics();
    private volatile String streamArn;
    private String tableName;
    private Map<String, ShardCheckpoint> stored = Map.of();
    private StreamStatus streamStatus;
    private boolean discovered;
    private boolean discovering;
    private boolean discoveryRequested;
    private Disposable startup;
    private Disposable discovery;
    private int roundRobin;
    private boolean stopped;

    ReceiverSession(ReceiverOptions options, DynamoDbStreamsAsyncClient streams, DynamoDbAsyncClient dynamoDb,
            CheckpointStore store, Runnable closeOwnedResources, FluxSink<ChangeRecord> sink,
            FluxSink<GroupedFlux<String, ChangeRecord>> groupsSink) {
        this.options = options;
        this.streams = streams;
        this.dynamoDb = dynamoDb;
        this.store = store;
        this.scheduler = options.scheduler();
        this.closeOwnedResources = closeOwnedResources;
        this.sink = sink;
        this.groupsSink = groupsSink;
    }

    // ---------------------------------------------------------------- lifecycle

    void start() {
        FluxSink<?> downstream = sink != null ? sink : groupsSink;
        downstream.onRequest(n -> post(() -> { }));
        downstream.onDispose(() -> post(this::shutdown));
        startup = resolveStream()
                .doOnNext(this::createLeaseCoordinator)
                .flatMap(arn -> store.load(arn).map(checkpoints -> Map.entry(arn, checkpoints)))
                .subscribe(
                        started -> post(() -> onStarted(started.getKey(), started.getValue())),
                        error -> post(() -> fail(error)));
    }

    private void createLeaseCoordinator(String arn) {
        if (options.leases() == null) {
            return;
        }
        LeaseCoordinator coordinator = new LeaseCoordinator(options.leases(), arn, scheduler, new LeaseCoordinator.Listener() {
            @Override
            public void acquired(Lease lease) {
                post(() -> { });
            }

            @Override
            public void lost(String shardId) {
                post(() -> stopReading(shardId));
            }

            @Override
            public void handoffRequested(String shardId) {
                post(() -> handOff(shardId));
            }
        });
        this.leases = coordinator;
        this.store = coordinator.checkpointStore();
    }

    private Mono<String> resolveStream() {
        if (options.streamArn() != null) {
            return Mono.just(options.streamArn());
        }
        String table = options.tableName();
        return Mono.fromFuture(() -> dynamoDb.describeTable(b -> b.tableName(table)))
                .retryWhen(Faults.retry(options, "DescribeTable " + table))
                .onErrorMap(Faults::isResourceNotFound, e -> new StreamUnavailableException(
                        StreamUnavailableException.Reason.TABLE_NOT_FOUND,
                        "Table '" + table + "' does not exist", Faults.unwrap(e)))
                .flatMap(response -> streamOf(table, response));
    }

    private static Mono<String> streamOf(String table, DescribeTableResponse response) {
        var description = response.table();
        boolean enabled = description.streamSpecification() != null
                && Boolean.TRUE.equals(description.streamSpecification().streamEnabled());
        if (!enabled || description.latestStreamArn() == null) {
            return Mono.error(new StreamUnavailableException(StreamUnavailableException.Reason.STREAM_NOT_ENABLED,
                    "Table '" + table + "' has no stream enabled: enable one (e.g. StreamViewType NEW_AND_OLD_IMAGES)"
                            + " with UpdateTable", null));
        }
        return Mono.just(description.latestStreamArn());
    }

    private void onStarted(String arn, Map<String, ShardCheckpoint> checkpoints) {
        if (stopped) {
            return;
        }
        this.streamArn = arn;
        this.stored = checkpoints;
        this.metrics = ReceiverMetrics.create(options, tableOf(arn), () -> scheduler.now(TimeUnit.MILLISECONDS));
        log.info("Reading stream {} ({} shard checkpoints found, start position {})", arn, checkpoints.size(),
                options.startPosition());
        long discoveryMillis = options.shardDiscoveryInterval().toMillis();
        timers.add(scheduler.schedulePeriodically(() -> post(this::discover), discoveryMillis, discoveryMillis,
                TimeUnit.MILLISECONDS));
        long commitMillis = options.commitInterval().toMillis();
        timers.add(scheduler.schedulePeriodically(() -> commit().subscribe(v -> { },
                e -> log.warn("Periodic checkpoint commit of stream {} failed; will retry", arn, e)),
                commitMillis, commitMillis, TimeUnit.MILLISECONDS));
        if (leases != null) {
            leases.start();
        }
        discover();
    }

    /** The table name in a stream ARN ({@code arn:aws:dynamodb:region:account:table/NAME/stream/LABEL}). */
    private String tableOf(String arn) {
        if (options.tableName() != null) {
            return options.tableName();
        }
        int start = arn.indexOf(":table/");
        int end = arn.indexOf("/stream/");
        return start >= 0 && end > start ? arn.substring(start + 7, end) : "unknown";
    }

    private long nowMillis() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }

    /** Stops reading, commits what was acknowledged, then closes what the receiver created. Idempotent. */
    private void shutdown() {
        if (stopped) {
            return;
        }
        stopped = true;
        timers.dispose();
        if (startup != null) {
            startup.dispose();
        }
        if (discovery != null) {
            discovery.dispose();
        }
        for (ShardReader reader : shards.values()) {
            reader.cancelCalls();
            reader.buffer.clear();
            if (reader.groupSink != null) {
                reader.groupSink.complete();
            }
        }
        LeaseCoordinator coordinator = leases;
        if (coordinator != null) {
            coordinator.stop();
        }
        commit()
                .doOnError(e -> log.error("Final checkpoint commit of stream {} failed: the next receiver will"
                        + " resume from the previous commit", streamArn, e))
                .onErrorResume(e -> Mono.empty())
                .then(coordinator == null ? Mono.empty() : coordinator.releaseAll())
                .doFinally(signal -> {
                    synchronized (commitLock) {
                        commitsClosed = true;
                    }
                    closeOwnedResources.run();
                    log.info("Stopped reading stream {}", streamArn);
                })
                .subscribe();
    }

    private void fail(Throwable error) {
        if (stopped) {
            return;
        }
        Throwable e = Faults.unwrap(error);
        log.debug("Receiver of {} fails", streamArn, e);
        shutdown();
        if (sink != null) {
            sink.error(e);
        } else {
            groupsSink.error(e);
        }
    }

    private void completeAll() {
        shutdown();
        if (sink != null) {
            sink.complete();
        } else {
            groupsSink.complete();
        }
    }

    // ---------------------------------------------------------------- the drain loop

    void post(Runnable task) {
        tasks.offer(task);
        drain();
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                try {
                    task.run();
                } catch (Throwable t) {
                    fail(t);
                }
            }
            if (!stopped) {
                try {
                    step();
                } catch (Throwable t) {
                    fail(t);
                }
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void step() {
        if (!discovered) {
            return;
        }
        boolean progress;
        do {
            progress = startReadyShards();
            progress |= sink != null ? emitMerged() : emitPerShard();
            progress |= completeEndedShards();
        } while (progress && !stopped);
        if (stopped) {
            return;
        }
        for (ShardReader reader : reading) {
            if (reader.state == ShardReader.State.IDLE && reader.buffer.isEmpty() && demand(reader) > 0) {
                fetch(reader);
            }
        }
        checkStreamEnd();
    }

    private long demand(ShardReader reader) {
        if (sink != null) {
            return sink.isCancelled() ? 0 : sink.requestedFromDownstream();
        }
        return reader.groupSink == null || reader.groupCancelled ? 0 : reader.groupSink.requestedFromDownstream();
    }

    // ---------------------------------------------------------------- shards: discovery and lineage

    private void discover() {
        if (stopped || streamArn == null) {
            return;
        }
        if (discovering) {
            discoveryRequested = true;
            return;
        }
        discovering = true;
        String arn = streamArn;
        discovery = describePage(arn, null)
                .expand(page -> page.streamDescription().lastEvaluatedShardId() == null
                        ? Mono.empty()
                        : describePage(arn, page.streamDescription().lastEvaluatedShardId()))
                .collectList()
                .subscribe(pages -> post(() -> onDiscovered(pages)), error -> post(() -> fail(
                        Faults.isResourceNotFound(error)
                                ? new StreamUnavailableException(StreamUnavailableException.Reason.STREAM_NOT_FOUND,
                                        "Stream " + arn + " does not exist", Faults.unwrap(error))
                                : error)));
    }

    private Mono<DescribeStreamResponse> describePage(String arn, String exclusiveStartShardId) {
        return Mono.fromFuture(() -> streams.describeStream(b -> b.streamArn(arn)
                        .exclusiveStartShardId(exclusiveStartShardId)), true)
                .retryWhen(Faults.retry(options, "DescribeStream " + arn));
    }

    private void onDiscovered(List<DescribeStreamResponse> pages) {
        discovering = false;
        discovery = null;
        if (stopped) {
            return;
        }
        int added = 0;
        for (DescribeStreamResponse page : pages) {
            StreamDescription description = page.streamDescription();
            streamStatus = description.streamStatus();
            if (tableName == null) {
                tableName = description.tableName();
            }
            for (Shard shard : description.shards()) {
                String ending = shard.sequenceNumberRange() == null ? null
                        : shard.sequenceNumberRange().endingSequenceNumber();
                ShardReader known = shards.get(shard.shardId());
                if (known == null) {
                    shards.put(shard.shardId(), new ShardReader(shard.shardId(), shard.parentShardId(), ending));
                    added++;
                } else if (ending != null) {
                    known.endingSequenceNumber = ending;
                }
            }
        }
        if (added > 0) {
            log.debug("Stream {}: {} new shards ({} known)", streamArn, added, shards.size());
        }
        discovered = true;
        if (leases != null) {
            Map<String, List<String>> lineage = new LinkedHashMap<>();
            for (ShardReader reader : shards.values()) {
                lineage.put(reader.shardId, reader.parentShardId == null ? List.of() : List.of(reader.parentShardId));
            }
            leases.shardsDiscovered(lineage);
        }
        if (discoveryRequested) {
            discoveryRequested = false;
            discover();
        }
    }

    private boolean isReady(ShardReader reader) {
        if (reader.parentShardId == null) {
            return true;
        }
        ShardReader parent = shards.get(reader.parentShardId);
        // A parent that no longer exists (trimmed) cannot be read: it must not block its children.
        return parent == null || parent.isDone();
    }

    /** Whether the shard continues a lineage this application has read, so it must start at its beginning. */
    private boolean parentWasRead(ShardReader reader) {
        if (reader.parentShardId == null) {
            return false;
        }
        if (stored.containsKey(reader.parentShardId)) {
            return true;
        }
        ShardReader parent = shards.get(reader.parentShardId);
        return parent != null && parent.wasRead;
    }

    private boolean startReadyShards() {
        boolean progress = false;
        for (ShardReader reader : shards.values()) {
            if (reader.state != ShardReader.State.WAITING) {
                continue;
            }
            ShardCheckpoint checkpoint;
            boolean continuesLineage;
            if (leases != null) {
                // The coordinator takes a child's lease only once its parents' leases ended.
                Lease lease = leases.held(reader.shardId);
                if (lease == null) {
                    continue;
                }
                checkpoint = lease.checkpoint() == null ? null : ShardCheckpoint.at(reader.shardId, lease.checkpoint());
                continuesLineage = reader.parentShardId != null && leases.parentCheckpointed(reader.parentShardId);
            } else {
                if (!isReady(reader)) {
                    continue;
                }
                checkpoint = stored.get(reader.shardId);
                if (checkpoint != null && checkpoint.ended()) {
                    reader.state = ShardReader.State.SKIPPED;
                    reader.wasRead = true;
                    progress = true;
                    continue;
                }
                continuesLineage = parentWasRead(reader);
            }
            progress = true;
            boolean skip = false;
            reader.skipBefore = null;
            reader.startSequenceNumber = null;
            reader.lastSequenceRead = null;
            if (checkpoint != null) {
                reader.startType = ShardIteratorType.AFTER_SEQUENCE_NUMBER;
                reader.startSequenceNumber = checkpoint.sequenceNumber();
            } else if (continuesLineage) {
                reader.startType = ShardIteratorType.TRIM_HORIZON;
            } else {
                StartPosition position = options.startPosition();
                switch (position.kind()) {
                    case LATEST:
                        skip = reader.isClosed();
                        reader.startType = ShardIteratorType.LATEST;
                        break;
                    case AT_TIMESTAMP:
                        reader.startType = ShardIteratorType.TRIM_HORIZON;
                        reader.skipBefore = floor(position.timestamp(), options.creationTimePrecision());
                        break;
                    default:
                        reader.startType = ShardIteratorType.TRIM_HORIZON;
                }
            }
            if (skip && leases == null) {
                reader.state = ShardReader.State.SKIPPED;
                continue;
            }
            reader.wasRead = !skip;
            reader.checkpointer = new ShardCheckpointer(reader.shardId, checkpoint, this::commit);
            checkpointers.put(reader.shardId, reader.checkpointer);
            reading.add(reader);
            reader.gauge = metrics.shardStarted(reader.shardId, nowMillis());
            if (groupsSink != null) {
                groupsToEmit.add(reader);
            }
            if (skip) {
                // A closed shard before a LATEST start: with leases, record it as ended so children follow.
                endReached(reader);
                continue;
            }
            log.debug("Shard {} of {}: reading from {}", reader.shardId, streamArn, reader.position());
            acquire(reader);
        }
        return progress;
    }

    /** Stops reading a shard whose lease is gone; what was not committed is read again by the new owner. */
    private void stopReading(String shardId) {
        ShardReader reader = shards.get(shardId);
        if (reader == null || reader.state == ShardReader.State.WAITING || reader.isDone()) {
            return;
        }
        reader.cancelCalls();
        reader.buffer.clear();
        reading.remove(reader);
        metrics.shardStopped(shardId);
        groupsToEmit.remove(reader);
        checkpointers.remove(shardId);
        if (reader.groupSink != null) {
            reader.groupSink.complete();
            reader.groupSink = null;
        }
        reader.groupCancelled = false;
        reader.checkpointer = null;
        reader.iterator = null;
        reader.state = ShardReader.State.WAITING;
        log.debug("Stopped reading shard {} of {}", shardId, streamArn);
    }

    /** Another worker asked for this shard: stop reading, commit what was acknowledged, then hand it over. */
    private void handOff(String shardId) {
        LeaseCoordinator coordinator = leases;
        ShardReader reader = shards.get(shardId);
        if (coordinator == null || reader == null) {
            return;
        }
        ShardCheckpointer checkpointer = reader.checkpointer;
        stopReading(shardId);
        if (checkpointer != null) {
            // stopReading forgot it; commit it one last time before the lease changes hands
            checkpointers.put(shardId, checkpointer);
        }
        commit()
                .onErrorResume(e -> {
                    log.warn("Commit before handing over shard {} failed; the next owner may repeat records", shardId, e);
                    return Mono.empty();
                })
                .then(Mono.fromRunnable(() -> checkpointers.remove(shardId)))
                .then(coordinator.handOff(shardId))
                .subscribe(v -> { }, e -> log.warn("Handing over shard {} failed; it will expire instead", shardId, e));
    }

    private static Instant floor(Instant instant, Duration precision) {
        long millis = instant.toEpochMilli();
        return Instant.ofEpochMilli(millis - Math.floorMod(millis, precision.toMillis()));
    }

    private boolean completeEndedShards() {
        boolean progress = false;
        for (int i = 0; i < reading.size(); i++) {
            ShardReader reader = reading.get(i);
            if (reader.state != ShardReader.State.END_REACHED || !reader.buffer.isEmpty()) {
                continue;
            }
            reader.state = ShardReader.State.COMPLETE;
            reading.remove(i--);
            metrics.shardStopped(reader.shardId);
            progress = true;
            if (reader.groupSink != null) {
                reader.groupSink.complete();
            }
            log.debug("Shard {} of {} read to its end", reader.shardId, streamArn);
            // Its children appear in DescribeStream when it closes: look for them now.
            discover();
            if (leases != null) {
                // Children's leases are taken once this one is recorded ended: commit without waiting.
                commit().subscribe(v -> { }, e -> log.debug("Commit after the end of shard {} failed", reader.shardId, e));
            }
        }
        return progress;
    }

    private void checkStreamEnd() {
        if (streamStatus != StreamStatus.DISABLED && streamStatus != StreamStatus.DISABLING) {
            return;
        }
        if (discovering || streamStatus != StreamStatus.DISABLED) {
            return;
        }
        if (leases != null) {
            if (!leases.allLeasesEnded()) {
                return;
            }
        } else {
            for (ShardReader reader : shards.values()) {
                if (!reader.isDone()) {
                    return;
                }
            }
        }
        if (options.completeWhenStreamDisabled()) {
            log.info("Stream {} is disabled and every record it held was delivered: completing", streamArn);
            completeAll();
        } else {
            fail(new StreamUnavailableException(StreamUnavailableException.Reason.STREAM_DISABLED,
                    "Stream " + streamArn + (tableName == null ? "" : " of table '" + tableName + "'")
                            + " was disabled (or its table deleted); every record it held was delivered", null));
        }
    }

    // ---------------------------------------------------------------- emission

    private boolean emitMerged() {
        if (sink.isCancelled()) {
            return false;
        }
        long requested = sink.requestedFromDownstream();
        int n = reading.size();
        if (requested <= 0 || n == 0) {
            return false;
        }
        boolean emitted = false;
        int start = roundRobin++ % n;
        for (int i = 0; i < n && requested > 0; i++) {
            ShardReader reader = reading.get((start + i) % n);
            ChangeRecord record;
            while (requested > 0 && (record = reader.buffer.poll()) != null) {
                sink.next(record);
                requested--;
                emitted = true;
                if (stopped || sink.isCancelled()) {
                    return false;
                }
            }
        }
        return emitted;
    }

    private boolean emitPerShard() {
        boolean progress = false;
        while (!groupsToEmit.isEmpty() && groupsSink.requestedFromDownstream() > 0 && !groupsSink.isCancelled()) {
            ShardReader reader = groupsToEmit.poll();
            groupsSink.next(new ShardGroupedFlux(reader.shardId, Flux.create(
                    groupSink -> post(() -> attachGroup(reader, groupSink)), FluxSink.OverflowStrategy.BUFFER)));
            progress = true;
        }
        for (ShardReader reader : reading) {
            FluxSink<ChangeRecord> groupSink = reader.groupSink;
            if (groupSink == null || reader.groupCancelled) {
                continue;
            }
            long requested = groupSink.requestedFromDownstream();
            ChangeRecord record;
            while (requested > 0 && (record = reader.buffer.poll()) != null) {
                groupSink.next(record);
                requested--;
                progress = true;
            }
        }
        return progress;
    }

    private void attachGroup(ShardReader reader, FluxSink<ChangeRecord> groupSink) {
        if (reader.groupSink != null) {
            groupSink.error(new IllegalStateException("The Flux of shard " + reader.shardId
                    + " allows only one subscriber"));
            return;
        }
        reader.groupSink = groupSink;
        groupSink.onRequest(n -> post(() -> { }));
        groupSink.onCancel(() -> post(() -> reader.groupCancelled = true));
        if (reader.state == ShardReader.State.COMPLETE) {
            groupSink.complete();
        } else if (stopped) {
            groupSink.complete();
        }
    }

    // ---------------------------------------------------------------- calls

    private void acquire(ShardReader reader) {
        reader.state = ShardReader.State.ACQUIRING;
        reader.iterator = null;
        ShardIteratorType type = reader.lastSequenceRead != null ? ShardIteratorType.AFTER_SEQUENCE_NUMBER
                : reader.startType;
        String sequenceNumber = reader.lastSequenceRead != null ? reader.lastSequenceRead
                : reader.startSequenceNumber;
        String arn = streamArn;
        // suppressCancel: cancelling an SDK future mid-request only makes netty log an alarming WARN; a late
        // response is dropped by the state checks instead
        reader.inFlight = Mono.fromFuture(() -> streams.getShardIterator(b -> b.streamArn(arn)
                        .shardId(reader.shardId).shardIteratorType(type).sequenceNumber(sequenceNumber)), true)
                .retryWhen(Faults.retry(options, "GetShardIterator " + reader.shardId, metrics::throttled))
                .subscribe(response -> post(() -> onIterator(reader, response.shardIterator())),
                        error -> post(() -> onCallError(reader, error)));
    }

    private void onIterator(ShardReader reader, String iterator) {
        reader.inFlight = null;
        if (stopped || reader.state != ShardReader.State.ACQUIRING) {
            return;
        }
        if (iterator == null) {
            endReached(reader);
            return;
        }
        reader.iterator = iterator;
        reader.state = ShardReader.State.IDLE;
    }

    private void fetch(ShardReader reader) {
        reader.state = ShardReader.State.FETCHING;
        String iterator = reader.iterator;
        int limit = options.maxRecordsPerRequest();
        reader.fetchStartNanos = System.nanoTime();
        ReceiverMetrics m = metrics;
        reader.inFlight = Mono.fromFuture(() -> streams.getRecords(b -> b.shardIterator(iterator).limit(limit)), true)
                .retryWhen(Faults.retry(options, "GetRecords " + reader.shardId, m::throttled))
                .subscribe(response -> post(() -> onRecords(reader, response)),
                        error -> post(() -> onCallError(reader, error)));
    }

    private void onRecords(ShardReader reader, GetRecordsResponse response) {
        reader.inFlight = null;
        if (stopped || reader.state != ShardReader.State.FETCHING) {
            return;
        }
        List<Record> records = response.records();
        metrics.getRecordsLatency(System.nanoTime() - reader.fetchStartNanos);
        long bytes = 0;
        long newestCreation = -1;
        for (Record record : records) {
            Long size = record.dynamodb().sizeBytes();
            bytes += size == null ? 0 : size;
            Instant createdAt = record.dynamodb().approximateCreationDateTime();
            if (createdAt != null) {
                newestCreation = Math.max(newestCreation, createdAt.toEpochMilli());
            }
            String sequenceNumber = record.dynamodb().sequenceNumber();
            reader.lastSequenceRead = sequenceNumber;
            if (reader.skipBefore != null) {
                Instant created = record.dynamodb().approximateCreationDateTime();
                if (created != null && created.isBefore(reader.skipBefore)) {
                    reader.checkpointer.skip(sequenceNumber);
                    continue;
                }
                reader.skipBefore = null;
            }
            reader.buffer.add(ChangeRecord.from(record, reader.shardId, streamArn,
                    reader.checkpointer.track(sequenceNumber)));
        }
        if (records.isEmpty()) {
            metrics.emptyPoll();
            if (reader.gauge != null) {
                reader.gauge.caughtUpAtMillis = nowMillis();
                reader.gauge.newestCreationMillis = -1;
            }
        } else {
            metrics.recordsReceived(records.size(), bytes);
            if (reader.gauge != null && newestCreation >= 0) {
                reader.gauge.newestCreationMillis = newestCreation;
            }
        }
        reader.iterator = response.nextShardIterator();
        if (reader.iterator == null) {
            endReached(reader);
        } else if (records.isEmpty() && !reader.isClosed() && !options.pollInterval().isZero()) {
            long pauseNanos = nextPauseNanos(reader);
            reader.state = ShardReader.State.PAUSED;
            reader.pauseTimer = scheduler.schedule(() -> post(() -> {
                reader.pauseTimer = null;
                if (reader.state == ShardReader.State.PAUSED) {
                    reader.state = ShardReader.State.IDLE;
                }
            }), pauseNanos, TimeUnit.NANOSECONDS);
        } else {
            if (!records.isEmpty()) {
                reader.nextPauseNanos = options.minPollInterval().toNanos();
            }
            reader.state = ShardReader.State.IDLE;
        }
    }

    /** The pause after an empty response: minPollInterval after records, doubled per empty response, up to pollInterval. */
    private long nextPauseNanos(ShardReader reader) {
        long max = options.pollInterval().toNanos();
        long pause = reader.nextPauseNanos < 0 ? max : Math.min(reader.nextPauseNanos, max);
        // pause > 0 here: minPollInterval is only zero together with pollInterval, which never pauses
        reader.nextPauseNanos = Math.min(pause * 2, max);
        return pause;
    }

    private void endReached(ShardReader reader) {
        if (reader.gauge != null) {
            reader.gauge.caughtUpAtMillis = nowMillis();
            reader.gauge.newestCreationMillis = -1;
        }
        reader.state = ShardReader.State.END_REACHED;
        reader.checkpointer.markEndReached();
    }

    private void onCallError(ShardReader reader, Throwable error) {
        reader.inFlight = null;
        if (stopped) {
            return;
        }
        if (Faults.isExpiredIterator(error)) {
            metrics.iteratorExpired();
            log.debug("Iterator of shard {} expired; renewing at {}", reader.shardId, reader.position());
            acquire(reader);
        } else if (Faults.isTrimmedData(error)) {
            TrimmedDataEvent event = new TrimmedDataEvent(streamArn, reader.shardId, reader.position());
            try {
                options.trimmedDataListener().accept(event);
            } catch (RuntimeException e) {
                log.warn("trimmedDataListener failed", e);
            }
            if (options.trimmedDataPolicy() == TrimmedDataPolicy.FAIL) {
                log.error("Records of shard {} of {} were trimmed before they were read (position {})",
                        reader.shardId, streamArn, event.position());
                fail(new TrimmedDataException(event, Faults.unwrap(error)));
            } else {
                log.warn("Records of shard {} of {} were trimmed before they were read (position {}):"
                        + " continuing from TRIM_HORIZON, the records in between are lost", reader.shardId,
                        streamArn, event.position());
                reader.lastSequenceRead = null;
                reader.startType = ShardIteratorType.TRIM_HORIZON;
                reader.startSequenceNumber = null;
                acquire(reader);
            }
        } else if (Faults.isResourceNotFound(error)) {
            fail(new StreamUnavailableException(StreamUnavailableException.Reason.STREAM_NOT_FOUND,
                    "Shard " + reader.shardId + " of stream " + streamArn + " no longer exists", Faults.unwrap(error)));
        } else {
            fail(error);
        }
    }

    // ---------------------------------------------------------------- checkpoints

    /**
     * Commits the acknowledged watermarks of every shard. Commits run one at a time, so the store never moves
     * back; requests made while one runs are served together by the next. Safe to call from a commit's own
     * completion (no lock is held while completing).
     */
    Mono<Void> commit() {
        return Mono.defer(() -> {
            Sinks.Empty<Void> done = Sinks.empty();
            synchronized (commitLock) {
                if (commitsClosed) {
                    return Mono.error(new IllegalStateException("The receiver of stream " + streamArn
                            + " has stopped: the checkpoint was not committed"));
                }
                commitsWaiting.add(done);
                if (committing) {
                    return done.asMono();
                }
                committing = true;
            }
            runCommits();
            return done.asMono();
        });
    }

    private void runCommits() {
        List<Sinks.Empty<Void>> batch;
        synchronized (commitLock) {
            batch = commitsWaiting;
            commitsWaiting = new ArrayList<>();
        }
        Mono<Void> once;
        try {
            once = commitOnce();
        } catch (RuntimeException e) {
            once = Mono.error(e);
        }
        once.subscribe(null, error -> commitsDone(batch, error), () -> commitsDone(batch, null));
    }

    private void commitsDone(List<Sinks.Empty<Void>> batch, Throwable error) {
        boolean more;
        synchronized (commitLock) {
            more = !commitsWaiting.isEmpty();
            if (!more) {
                committing = false;
            }
        }
        for (Sinks.Empty<Void> done : batch) {
            if (error == null) {
                done.tryEmitEmpty();
            } else {
                done.tryEmitError(error);
            }
        }
        if (more) {
            runCommits();
        }
    }

    private Mono<Void> commitOnce() {
        String arn = streamArn;
        if (arn == null) {
            return Mono.empty();
        }
        List<ShardCheckpoint> changed = new ArrayList<>();
        for (ShardCheckpointer checkpointer : checkpointers.values()) {
            ShardCheckpoint checkpoint = checkpointer.toCommit();
            if (checkpoint != null) {
                changed.add(checkpoint);
            }
        }
        if (changed.isEmpty()) {
            return Mono.empty();
        }
        return store.save(arn, changed).doOnSuccess(v -> {
            metrics.checkpointsCommitted(changed.size());
            for (ShardCheckpoint checkpoint : changed) {
                ShardCheckpointer checkpointer = checkpointers.get(checkpoint.shardId());
                if (checkpointer != null) {
                    checkpointer.saved(checkpoint);
                    if (checkpoint.ended()) {
                        checkpointers.remove(checkpoint.shardId());
                    }
                }
            }
            log.debug("Committed {} shard checkpoints of {}", changed.size(), arn);
        });
    }

    Collection<ShardCheckpointer> checkpointers() {
        return checkpointers.values();
    }

}
