package io.github.ddbstreams.receiver.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.internal.StreamListings;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StreamUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * One subscription's reading of a stream: the loop and the lifecycle that hold the data path together.
 *
 * <pre>
 * ShardDiscovery → ShardAssignment → ShardPoller (GetRecords → records) → RecordEmitter (emit)
 *     → subscriber (acknowledge) → ShardCheckpointer (watermark) → CheckpointCommitter (commit)
 * </pre>
 *
 * <p>All reading state is confined to a serialized drain loop ({@link #post(Runnable)}): SDK responses,
 * timers, downstream requests, acknowledgements that settle a shard and cancellation are queued as tasks and
 * run one at a time, so the state needs no locks.
 */
final class ReceiverSession implements ShardPoller.Host, LeaseAssignment.Session {

    private static final Logger log = LoggerFactory.getLogger(ReceiverSession.class);

    private final ReceiverOptions options;
    private final DynamoDbStreamsAsyncClient streams;
    private final Scheduler scheduler;
    private final Runnable closeOwnedResources;
    private final RecordEmitter emitter;
    private final ShardDiscovery discovery;
    private final CheckpointCommitter committer;
    private final StartupWatch startupWatch;
    /** Told of every retried failure: throttles to the metrics, the cause to the start-up watch. */
    private final Faults.Observer observer = this::retrying;

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final KnownShards shards = new KnownShards();
    private final List<ShardPoller> reading = new ArrayList<>();
    /** Timers, the start-up call and the children queries under way: disposed at shutdown. */
    private final Disposable.Composite calls = Disposables.composite();
    private final Disposable.Swap fullDiscovery = Disposables.swap();
    /** The periodic discovery (rescheduled when this worker becomes the describer, see {@link #discoverIn}). */
    private final Disposable.Swap discoveryTimer = Disposables.swap();
    private final CallSlots callSlots;
    /** Where the next round of polls starts in {@link #reading}: the shard after the last one that got a call slot. */
    private int pollCursor;

    private volatile ReceiverMetrics metrics = new ReceiverMetrics();
    private volatile String streamArn;
    private ShardAssignment assignment;
    private StreamStatus streamStatus;
    private String tableName;
    private boolean discovered;
    private boolean discovering;
    /** DescribeStream pages answered during the full listing under way (children queries beside it count too). */
    private final AtomicInteger listingPages = new AtomicInteger();
    /**
     * The period of the full listing: {@code shardDiscoveryInterval}, or {@link StreamListings#PERIOD_PER_PAGE} per page of
     * the last listing when that is longer, so that listing a stream never takes more than half a DescribeStream call
     * per second (the service allows 10 per second, shared by every reader of the stream; the children queries at
     * shard ends come on top).
     */
    private long discoveryPeriodMillis;
    private boolean discoveryRequested;
    private boolean stopped;

    ReceiverSession(ReceiverOptions options, DynamoDbStreamsAsyncClient streams, DynamoDbAsyncClient dynamoDb,
            CheckpointStore store, Runnable closeOwnedResources, RecordEmitter emitter) {
        this.options = options;
        this.streams = streams;
        this.scheduler = options.scheduler();
        this.closeOwnedResources = closeOwnedResources;
        this.emitter = emitter;
        this.callSlots = new CallSlots(options.maxConcurrentCalls());
        this.startupWatch = new StartupWatch(options, streams, dynamoDb);
        this.discovery = new ShardDiscovery(options, streams, dynamoDb, observer, () -> metrics, () -> {
            startupWatch.reached();
            listingPages.incrementAndGet();
        });
        this.discoveryPeriodMillis = options.shardDiscoveryInterval().toMillis();
        this.committer = new CheckpointCommitter(store, () -> streamArn, () -> metrics);
    }

    // ---------------------------------------------------------------- lifecycle

    void start() {
        emitter.attach(() -> post(() -> { }), () -> post(this::shutdown));
        calls.add(startupWatch.start(scheduler, error -> post(() -> fail(error))));
        calls.add(discovery.streamArn()
                .flatMap(arn -> {
                    ShardAssignment policy = createAssignment(arn);
                    // a throttled, failing or unanswered load (the lease table's listing is bounded by failoverTime)
                    // is retried like every other call, not the end of the receiver
                    return committer.store().load(arn)
                            .retryWhen(Faults.retry(options, "Loading the checkpoints of " + arn)).map(stored -> {
                        post(() -> onStarted(arn, policy, stored));
                        return arn;
                    });
                })
                .subscribe(arn -> { }, error -> post(() -> fail(error))));
    }

    private ShardAssignment createAssignment(String arn) {
        if (options.leases() == null) {
            return null;
        }
        LeaseAssignment leases = new LeaseAssignment(options, arn, scheduler, this);
        committer.store(leases.checkpointStore());
        return leases;
    }

    private void onStarted(String arn, ShardAssignment leases, Map<String, ShardCheckpoint> stored) {
        if (stopped) {
            return;
        }
        this.streamArn = arn;
        this.assignment = leases != null ? leases : new SingleWorkerAssignment(options, stored, this::storedShardLeftTheStream);
        this.metrics = ReceiverMetrics.create(options, ShardDiscovery.tableOf(options, arn), this::nowMillis, committer::checkpointers);
        log.info("Reading stream {} ({} shard checkpoints found, start position {})", arn, stored.size(),
                options.startPosition());
        calls.add(discoveryTimer);
        discoverIn(options.shardDiscoveryInterval());
        long commitMillis = options.commitInterval().toMillis();
        calls.add(scheduler.schedulePeriodically(() -> {
            commit().subscribe(v -> { }, e -> log.warn("Periodic checkpoint commit of stream {} failed; will retry", arn, e));
            post(this::warnHeldBack);
        }, commitMillis, commitMillis, TimeUnit.MILLISECONDS));
        assignment.start();
        discover();
    }

    /** Stops reading, commits what was acknowledged, then closes what the receiver created. Idempotent. */
    private void shutdown() {
        if (stopped) {
            return;
        }
        stopped = true;
        calls.dispose();
        fullDiscovery.dispose();
        for (ShardPoller shard : shards.all()) {
            shard.stop();
        }
        emitter.shutdown();
        ShardAssignment policy = assignment;
        if (policy != null) {
            policy.stop();
        }
        // shards stopped above forgot their undelivered records; the records already emitted are waited for
        Mono<Void> drained = policy == null ? Mono.empty() : policy.drain();
        drained.then(commit())
                .doOnError(e -> log.error("Final checkpoint commit of stream {} failed: the next receiver will"
                        + " resume from the previous commit", streamArn, e))
                .onErrorResume(e -> Mono.empty())
                .then(policy == null ? Mono.empty() : policy.release())
                .doFinally(signal -> {
                    committer.close();
                    closeOwnedResources.run();
                    log.info("Stopped reading stream {}", streamArn);
                })
                .subscribe();
    }

    @Override
    public void fail(Throwable error) {
        if (stopped) {
            return;
        }
        Throwable e = Faults.unwrap(error);
        log.debug("Receiver of {} fails", streamArn, e);
        shutdown();
        emitter.error(e);
    }

    // ---------------------------------------------------------------- the drain loop

    @Override
    public void post(Runnable task) {
        tasks.offer(task);
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Runnable next;
            while ((next = tasks.poll()) != null) {
                try {
                    next.run();
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
            progress |= emitter.emit(emittable());
            progress |= completeDrainedShards();
        } while (progress && !stopped);
        if (stopped) {
            return;
        }
        pollShards();
        checkStreamEnd();
    }

    /**
     * Lets the shards read make their next calls while call slots are free, in turn from the shard after the
     * last one served (round robin), so that a busy shard does not keep the slots from the others.
     */
    private void pollShards() {
        int n = reading.size();
        int first = n == 0 ? 0 : pollCursor % n;
        for (int k = 0; k < n && callSlots.available(); k++) {
            int i = (first + k) % n;
            ShardPoller shard = reading.get(i);
            if (assignment.mayEmit(shard) && shard.poll(emitter.demand(shard))) {
                pollCursor = i + 1;
            }
        }
    }

    /** The shards read whose records may be emitted now (a fenced lease's shard waits, its buffer kept). */
    private List<ShardPoller> emittable() {
        for (int i = 0; i < reading.size(); i++) {
            if (!assignment.mayEmit(reading.get(i))) {
                List<ShardPoller> allowed = new ArrayList<>(reading.size());
                for (ShardPoller shard : reading) {
                    if (assignment.mayEmit(shard)) {
                        allowed.add(shard);
                    }
                }
                return allowed;
            }
        }
        return reading;
    }

    // ---------------------------------------------------------------- shards

    @Override
    public void discover() {
        if (stopped || streamArn == null) {
            return;
        }
        if (discovering) {
            discoveryRequested = true;
            return;
        }
        if (!assignment.discoveryReady()) {
            return; // with leases the first discovery waits for the first election, which calls this again
        }
        // With leases only the describer lists the whole stream (also at a worker's start): the others learn the
        // shards from the lease table, so DescribeStream traffic does not grow with workers.
        ShardDiscovery.Listing fromLeases = assignment.shardsFromLeases(!discovered);
        if (fromLeases != null) {
            onDiscovered(fromLeases);
            return;
        }
        discovering = true;
        listingPages.set(0);
        fullDiscovery.update(discovery.all(streamArn).subscribe(listing -> post(() -> onDiscovered(listing)),
                error -> post(() -> fail(error))));
    }

    @Override
    public boolean knowsShard(String shardId) {
        return shards.get(shardId) != null;
    }

    @Override
    public void learned(ShardDiscovery.Listing listing) {
        if (!stopped && discovered) {
            onDiscovered(listing);
        }
    }

    @Override
    public void discoverIn(Duration delay) {
        if (stopped) {
            return;
        }
        discoveryTimer.update(scheduler.schedulePeriodically(() -> post(this::discover),
                Math.max(delay.toMillis(), 0), discoveryPeriodMillis, TimeUnit.MILLISECONDS));
    }

    /** After a full listing of {@code pages} pages: at most half a DescribeStream call per second for listings. */
    private void paceListings(int pages) {
        long period = Math.max(options.shardDiscoveryInterval().toMillis(), StreamListings.PERIOD_PER_PAGE.toMillis() * pages);
        if (period != discoveryPeriodMillis) {
            log.info("Stream {}: a full listing takes {} DescribeStream pages; listing every {} s instead of every"
                    + " shardDiscoveryInterval ({}) to stay at half a call per second", streamArn, pages,
                    period / 1000.0, options.shardDiscoveryInterval());
            discoveryPeriodMillis = period;
            discoverIn(Duration.ofMillis(period));
        }
    }

    private void onDiscovered(ShardDiscovery.Listing listing) {
        startupWatch.reached();
        if (stopped) {
            return;
        }
        if (listing.complete()) {
            discovering = false;
            assignment.streamListed(listing.status());
            if (!listing.fromLeases()) {
                paceListings(listingPages.get());
            }
        }
        streamStatus = listing.status() == null ? streamStatus : listing.status();
        tableName = tableName == null ? listing.tableName() : tableName;
        int added = shards.merge(listing, shard -> new ShardPoller(shard.shardId(), shard.parentShardId(),
                shard.sequenceNumberRange() == null ? null : shard.sequenceNumberRange().endingSequenceNumber(), this,
                options, streams));
        if (added > 0) {
            log.debug("Stream {}: {} new shards ({} known)", streamArn, added, shards.size());
        }
        discovered = true;
        assignment.discovered(shards.all(), listing.complete()
                ? listing.shards().stream().map(shard -> shard.shardId()).collect(Collectors.toSet()) : null);
        if (listing.complete() && discoveryRequested) {
            discoveryRequested = false;
            discover();
        }
    }

    private boolean startReadyShards() {
        boolean progress = false;
        for (ShardPoller shard : assignment.candidates(shards)) {
            if (shard.state != ShardPoller.State.WAITING) {
                continue;
            }
            ShardPoller parent = shards.get(shard.parentShardId);
            ShardAssignment.Decision decision = assignment.decide(shard, parent);
            switch (decision.kind()) {
                case WAIT:
                    continue;
                case SKIP:
                    shard.skip();
                    progress = true;
                    continue;
                default:
                    progress = true;
            }
            ShardCheckpointer checkpointer = new ShardCheckpointer(shard.shardId, decision.checkpoint(), this::commit,
                    this::nowMillis, () -> post(() -> { }));
            committer.register(checkpointer);
            reading.add(shard);
            ReceiverMetrics.ShardGauge gauge = metrics.shardStarted(shard.shardId, nowMillis());
            emitter.shardStarted(shard);
            if (decision.kind() == ShardAssignment.Kind.END_UNREAD) {
                shard.startEnded(checkpointer, gauge);
            } else {
                shard.start(decision.start(), checkpointer, gauge);
            }
        }
        return progress;
    }

    private boolean completeDrainedShards() {
        boolean progress = false;
        for (int i = 0; i < reading.size(); i++) {
            ShardPoller shard = reading.get(i);
            if (!shard.completeIfDrained()) {
                continue;
            }
            reading.remove(i--);
            metrics.shardStopped(shard.shardId);
            emitter.shardCompleted(shard);
            assignment.shardCompleted(shard);
            progress = true;
            log.debug("Shard {} of {} read to its end", shard.shardId, streamArn);
            // Its children appear in DescribeStream when it closes: ask for just them. Cancelled at shutdown with the
            // other calls (it is asked again with backoff while no child is listed yet).
            Disposable.Swap query = Disposables.swap();
            if (calls.add(query)) {
                query.update(discovery.children(streamArn, shard.shardId)
                        .doFinally(signal -> calls.remove(query))
                        .subscribe(listing -> post(() -> onDiscovered(listing)), error -> post(() -> fail(error))));
            }
        }
        return progress;
    }

    /** Stops reading a shard whose lease is gone; what was not committed is read again by the new owner. */
    @Override
    public void stopShard(String shardId) {
        ShardPoller shard = shards.get(shardId);
        if (shard != null && shard.isReading()) {
            stop(shard);
            committer.forget(shardId);
        }
    }

    /**
     * Stops reading a shard whose lease this worker gives away, but keeps committing it: returns its checkpointer
     * (also of a shard read to its end whose records are not all acknowledged yet), or null.
     */
    @Override
    public ShardCheckpointer stopReading(String shardId) {
        ShardPoller shard = shards.get(shardId);
        if (shard != null && shard.isReading()) {
            stop(shard);
        }
        return committer.checkpointer(shardId);
    }

    private void stop(ShardPoller shard) {
        reading.remove(shard);
        metrics.shardStopped(shard.shardId);
        emitter.shardStopped(shard);
        shard.reset();
        log.debug("Stopped reading shard {} of {}", shard.shardId, streamArn);
    }

    private void checkStreamEnd() {
        if (streamStatus != StreamStatus.DISABLED || discovering || !assignment.allRead(shards.all())) {
            return;
        }
        if (options.completeWhenStreamDisabled()) {
            log.info("Stream {} is disabled and every record it held was delivered: completing", streamArn);
            shutdown();
            emitter.complete();
        } else {
            fail(new StreamUnavailableException(StreamUnavailableException.Reason.STREAM_DISABLED,
                    "Stream " + streamArn + (tableName == null ? "" : " of table '" + tableName + "'")
                            + " was disabled (or its table deleted); every record it held was delivered", null));
        }
    }

    private void warnHeldBack() {
        long now = nowMillis();
        for (ShardPoller shard : reading) {
            shard.warnIfHeldBack(now);
        }
    }

    // ---------------------------------------------------------------- host

    Mono<Void> commit() {
        return committer.commit();
    }

    @Override
    public CheckpointCommitter committer() {
        return committer;
    }

    @Override
    public String streamArn() {
        return streamArn;
    }

    @Override
    public ReceiverMetrics metrics() {
        return metrics;
    }

    @Override
    public Faults.Observer observer() {
        return observer;
    }

    private void retrying(Throwable failure, boolean throttled) {
        if (throttled) {
            metrics.throttled();
        }
        startupWatch.failed(failure, throttled);
    }

    @Override
    public CallSlots callSlots() {
        return callSlots;
    }

    @Override
    public Mono<Boolean> listsShard(String shardId) {
        return discovery.all(streamArn).map(listing -> listing.shards().stream()
                .anyMatch(shard -> shardId.equals(shard.shardId())));
    }

    /**
     * A stored, unfinished checkpoint whose shard the stream no longer lists (single worker): the shard passed the
     * 24-hour retention while the receiver was down, and the records after the checkpoint may be lost. Signalled
     * through the trimmed-data policy; unless it failed the reading, the shard is recorded ended (signalled once).
     */
    private void storedShardLeftTheStream(ShardCheckpoint checkpoint) {
        if (TrimmedData.signal(options, streamArn, checkpoint.shardId(), TrimmedData.after(checkpoint.sequenceNumber()),
                ": the shard left the stream while the receiver was down", null, "recording it ended", this::fail)) {
            committer.store().save(streamArn, List.of(ShardCheckpoint.ended(checkpoint.shardId(),
                            checkpoint.sequenceNumber())))
                    .subscribe(v -> { }, e -> log.warn("Recording shard {} of {} ended failed; it is signalled again at"
                            + " the next start", checkpoint.shardId(), streamArn, e));
        }
    }

    @Override
    public long nowMillis() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }
}
