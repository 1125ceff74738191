package io.github.ddbstreams.migration;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.internal.AwsFaults;
import io.github.ddbstreams.internal.StreamListings;
import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.record.StreamArns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * Starts this library where a KCL application stopped: reads the KCL's lease table once and resumes every shard
 * right after its KCL checkpoint, so a move from the KCL (with the DynamoDB Streams Kinesis adapter) neither
 * re-reads a day of changes (TRIM_HORIZON) nor skips the changes made during the switch (LATEST).
 *
 * <p>Three steps, each usable alone:
 * <ol>
 *   <li>{@link #plan(String)}: a dry run. Reads the lease table and the stream's shard list (never its records)
 *       and returns where every shard would resume ({@link KclImportPlan#describe()} prints it).</li>
 *   <li>{@link #apply(String, CheckpointStore)}: plans, then writes the plan's checkpoints into a checkpoint
 *       store and marks the import complete; logs one INFO line per shard. An import interrupted by a crash is
 *       completed by the next call, a completed one is never repeated.</li>
 *   <li>{@link #seeding(CheckpointStore)}: a checkpoint store that applies the import when the receiver starts,
 *       until it is complete, and is the given store from then on: the one line that migrates.</li>
 * </ol>
 *
 * <p>What the lease table says and what the import makes of it:
 * <ul>
 *   <li>a sequence number in {@code checkpoint}: resume right after it ({@code pendingCheckpoint}, a checkpoint
 *       the KCL had not confirmed, is never used);</li>
 *   <li>{@code SHARD_END}: finished, not read again;</li>
 *   <li>{@code TRIM_HORIZON}, {@code LATEST}, {@code AT_TIMESTAMP}: not started by the KCL; a shard whose parent is
 *       known is read from its beginning, any other at the receiver's {@code StartPosition};</li>
 *   <li>a parent (in {@code parentShardId}, a string set) or an ancestor in the stream that has no lease: the KCL
 *       finished and cleaned it up (or its initial position skipped it): finished;</li>
 *   <li>a shard of the stream newer than the table, below a known shard: read from its beginning.</li>
 * </ul>
 * Lease keys are shard ids (KCL 1.x adapter tables, single-stream KCL 2/3 tables) or, in multi-stream tables,
 * {@code account:region$account$table$label:1:shardId}; only the leases of the given stream are imported. In
 * KCL 3.5 single-table items, rows whose {@code entityType} is not {@code LEASE} are ignored.
 *
 * <p>Safety: the import refuses with a {@link KclLeaseTableException} while the KCL application runs, that is when
 * a lease's {@code leaseCounter} moves during {@link KclImportOptions#observationWindow()} or a lease has a
 * {@code checkpointOwner} (a graceful hand-off in progress), unless {@link KclImportOptions#force()}.
 *
 * <p>With leases ({@code ReceiverOptions.Builder.leases}) the lease table keeps the checkpoints: seed it with
 * {@link #initialCheckpoints()} ({@code LeaseOptions.Builder.initialCheckpoints}).
 *
 * <pre>{@code
 * KclLeaseTableImport kcl = KclLeaseTableImport.create(KclImportOptions.builder()
 *     .client(dynamoDb).streamsClient(dynamoDbStreams).leaseTableName("orders-indexer").build());
 * System.out.println(kcl.plan(streamArn).block().describe());          // dry run
 * ReceiverOptions options = ReceiverOptions.builder()
 *     .tableName("Orders")
 *     .startPosition(StartPosition.trimHorizon())                         // for shards the KCL never started
 *     .checkpointStore(kcl.seeding(DynamoDbCheckpointStore.create(storeOptions)))
 *     .build();
 * }</pre>
 */
public final class KclLeaseTableImport {

    private static final Logger log = LoggerFactory.getLogger(KclLeaseTableImport.class);
    private static final int NAMED_IN_ERRORS = 5;
    /** Appended to a stream ARN: where the import's progress marker is kept (see {@link #progressKey}). */
    static final String PROGRESS_SUFFIX = "#kcl-lease-table-import";
    /** The pseudo shard id of the progress marker. */
    static final String PROGRESS_SHARD = "import";
    private static final ShardCheckpoint STARTED = ShardCheckpoint.at(PROGRESS_SHARD, "1");
    private static final ShardCheckpoint COMPLETE = ShardCheckpoint.ended(PROGRESS_SHARD, null);

    /** Reads every item of the lease table. */
    interface LeaseTableReader {
        Mono<List<Map<String, AttributeValue>>> scan();
    }

    /** Lists the shards of a stream: shard id → parent shard id (null for none), parents first where possible. */
    interface ShardLister {
        Mono<Map<String, String>> shards(String streamArn);
    }

    private final KclImportOptions options;
    private final LeaseTableReader reader;
    private final ShardLister lister;

    KclLeaseTableImport(KclImportOptions options, LeaseTableReader reader, ShardLister lister) {
        this.options = Objects.requireNonNull(options, "options");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.lister = Objects.requireNonNull(lister, "lister");
    }

    /**
     * An import reading the lease table named in the options. Makes no call until a method's Mono is subscribed.
     *
     * <pre>{@code
     * KclLeaseTableImport kcl = KclLeaseTableImport.create(options);
     * }</pre>
     */
    public static KclLeaseTableImport create(KclImportOptions options) {
        Objects.requireNonNull(options, "options");
        String table = options.leaseTableName();
        LeaseTableReader reader = () -> Flux.from(options.client()
                        .scanPaginator(r -> r.tableName(table).consistentRead(true)).items())
                .collectList()
                // the paginator fails with the SDK's exception wrapped in a CompletionException: the classifier looks inside
                .onErrorMap(AwsFaults::isResourceNotFound,
                        e -> new KclLeaseTableException("KCL lease table " + table + " does not exist", e));
        return new KclLeaseTableImport(options, reader, shardLister(options.streamsClient()));
    }

    /** The options of this import. */
    public KclImportOptions options() {
        return options;
    }

    /**
     * A dry run: reads the lease table (twice, {@link KclImportOptions#observationWindow()} apart, unless forced)
     * and the stream's shard list, and returns where every shard would resume. Writes nothing, reads no record.
     *
     * <pre>{@code
     * kcl.plan(streamArn).map(KclImportPlan::describe).subscribe(System.out::println);
     * }</pre>
     *
     * @return the plan; fails with a {@link KclLeaseTableException} when the table is missing, holds no lease of
     *     the stream or an invalid lease, or the KCL application looks alive (and the import is not forced)
     */
    public Mono<KclImportPlan> plan(String streamArn) {
        Objects.requireNonNull(streamArn, "streamArn");
        String tableName = StreamArns.tableName(streamArn).orElseThrow(() -> new IllegalArgumentException(
                "streamArn is not a DynamoDB stream ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL): "
                        + streamArn));
        String label = StreamArns.streamLabel(streamArn).orElseThrow();
        Mono<Map<String, KclLease>> leases = reader.scan().map(items -> leasesOf(items, streamArn, tableName, label));
        Mono<Map<String, KclLease>> settled;
        if (options.force()) {
            settled = leases;
        } else if (options.observationWindow().isZero()) {
            settled = leases.doOnNext(this::refuseHandOffs);
        } else {
            settled = leases.doOnNext(this::refuseHandOffs)
                    .flatMap(first -> Mono.delay(options.observationWindow(), options.scheduler())
                            .then(leases)
                            .doOnNext(second -> refuseMovingCounters(first, second))
                            .doOnNext(this::refuseHandOffs));
        }
        return settled.zipWith(lister.shards(streamArn))
                .map(both -> new KclImportPlan(streamArn, options.leaseTableName(), resumes(both.getT1(), both.getT2())));
    }

    /**
     * Imports the lease table into {@code store} unless that was done: plans (see {@link #plan(String)}), logs one
     * INFO line per shard saying where it resumes, saves the plan's checkpoints, then a completion marker.
     *
     * <p>Crash safety: the marker is saved under {@link #progressKey(String)} in the same store, first as
     * "started" (before any checkpoint), then as "complete" (after every checkpoint is stored). An import that was
     * started and not completed (the process died between the writes, or another receiver on the store is
     * importing right now) is repeated: each checkpoint is written where the store holds none of its shard or an
     * earlier one (a checkpoint never moves back, see {@link CheckpointStore#save}), so positions a receiver
     * committed since are kept. A completed import is never repeated, and the lease table is not read again. A store
     * that already holds checkpoints of the stream but no marker (it was read without an import) is left alone.
     *
     * <pre>{@code
     * kcl.apply(streamArn, store).block();
     * }</pre>
     *
     * @return the applied plan, or empty when the import was complete already or the store held checkpoints of the
     *     stream without an import
     */
    public Mono<KclImportPlan> apply(String streamArn, CheckpointStore store) {
        Objects.requireNonNull(streamArn, "streamArn");
        Objects.requireNonNull(store, "store");
        return ifNeeded(streamArn, store, true, plan(streamArn)
                // checked again after the observation window: another receiver may have completed it meanwhile
                .flatMap(plan -> ifNeeded(streamArn, store, false, Mono.defer(() -> {
                    List<ShardCheckpoint> checkpoints = logged(plan).checkpoints();
                    return store.save(progressKey(streamArn), List.of(STARTED))
                            .then(store.save(streamArn, checkpoints))
                            .then(store.save(progressKey(streamArn), List.of(COMPLETE)))
                            .doOnSuccess(v -> log.info("KCL lease table {}: import into stream {} of {} complete ({}"
                                    + " checkpoints)", options.leaseTableName(), streamArn, store, checkpoints.size()))
                            .thenReturn(plan);
                }))));
    }

    /**
     * The key under which {@link #apply} keeps its progress marker in a checkpoint store: the stream ARN followed by
     * {@code "#kcl-lease-table-import"}, which no stream ARN contains, so loading the stream's checkpoints never
     * returns the marker. Under it, the store holds one checkpoint of the pseudo shard {@code "import"}: at
     * sequence number 1 while an import is under way, ended once it is complete (a checkpoint never moves back, so
     * a completed import is never marked started again).
     */
    public static String progressKey(String streamArn) {
        return Objects.requireNonNull(streamArn, "streamArn") + PROGRESS_SUFFIX;
    }

    /**
     * The import for lease mode ({@code ReceiverOptions.Builder.leases}): at the first start, when our lease table
     * holds no lease of the stream, each worker plans (see {@link #plan(String)}), logs one INFO line per shard,
     * and the plan's checkpoints are written into the lease table: finished shards as ended leases, resumed shards
     * as free leases holding the KCL checkpoint; shards the KCL never started get their leases as usual. The writes
     * are conditional (the lease must not exist), so workers starting together import once and no checkpoint a
     * worker already moved on is set back; workers then take the leases normally. A failed plan (e.g. the KCL
     * application still runs) fails the receiver's start. An import cut short (its worker died between the writes)
     * is completed by the next worker that starts, before that worker takes any lease; a worker that starts while
     * another imports does the same (see {@link LeaseOptions.InitialCheckpoints}).
     *
     * <pre>{@code
     * ReceiverOptions.builder()
     *     .tableName("Orders")
     *     .startPosition(StartPosition.trimHorizon())                 // for shards the KCL never started
     *     .leases(LeaseOptions.builder().client(dynamoDb).tableName("orders-indexer-leases")
     *         .initialCheckpoints(kcl.initialCheckpoints()).build())
     *     .build();
     * }</pre>
     */
    public LeaseOptions.InitialCheckpoints initialCheckpoints() {
        return streamArn -> plan(streamArn).map(plan -> logged(plan).checkpoints());
    }

    private KclImportPlan logged(KclImportPlan plan) {
        for (ShardResume shard : plan.shards().values()) {
            log.info("KCL lease table {}: stream {} shard {}", options.leaseTableName(), plan.streamArn(),
                    shard.describe());
        }
        return plan;
    }

    /**
     * A checkpoint store that, when the receiver loads a stream's checkpoints, first {@link #apply applies} this
     * import to {@code store} unless it was completed (one extra read of the progress marker per start); every other
     * call goes to {@code store}. Several receivers may share it: a receiver that starts while another imports, or
     * after a crash in the middle of an import, completes the import before it reads a shard, and no checkpoint a
     * receiver committed is set back. A failed import fails the load, so the receiver does not start.
     *
     * <pre>{@code
     * ReceiverOptions.builder().tableName("Orders").checkpointStore(kcl.seeding(store)).build();
     * }</pre>
     */
    public CheckpointStore seeding(CheckpointStore store) {
        Objects.requireNonNull(store, "store");
        return new CheckpointStore() {
            @Override
            public Mono<Map<String, ShardCheckpoint>> load(String streamArn) {
                return apply(streamArn, store).then(store.load(streamArn));
            }

            @Override
            public Mono<Void> save(String streamArn, Collection<ShardCheckpoint> checkpoints) {
                return store.save(streamArn, checkpoints);
            }

            @Override
            public String toString() {
                return "KclLeaseTableImport.seeding{" + store + ", leaseTableName=" + options.leaseTableName() + "}";
            }
        };
    }

    @Override
    public String toString() {
        return "KclLeaseTableImport{" + options + "}";
    }

    // ---------------------------------------------------------------- reading

    /** Every shard of a stream with its parent, following every {@code DescribeStream} page (spaced, see StreamListings). */
    static ShardLister shardLister(DynamoDbStreamsAsyncClient streams) {
        return arn -> StreamListings.pages(start -> describe(streams, arn, start), Schedulers.parallel())
                .concatMapIterable(page -> page.streamDescription().shards())
                .collect(LinkedHashMap::new, (Map<String, String> shards, Shard shard) ->
                        shards.put(shard.shardId(), shard.parentShardId()));
    }

    private static Mono<DescribeStreamResponse> describe(DynamoDbStreamsAsyncClient streams, String arn,
            String startShardId) {
        return Mono.fromFuture(() -> streams.describeStream(r -> r.streamArn(arn).exclusiveStartShardId(startShardId)));
    }

    /**
     * {@code then} unless the import into {@code store} is complete, or the store holds checkpoints of the stream
     * without any import having started (read before, or imported by a version without the marker).
     */
    private <T> Mono<T> ifNeeded(String streamArn, CheckpointStore store, boolean first, Mono<T> then) {
        return progress(streamArn, store).flatMap(progress -> progress != Progress.NONE
                ? ifNeeded(progress, streamArn, store, first, then)
                : store.load(streamArn).flatMap(stored -> stored.isEmpty() ? then
                        // Read the marker again: an import marks itself started before its first checkpoint, so one
                        // that began since the first read and wrote a checkpoint seen here shows its marker now.
                        : progress(streamArn, store).flatMap(again -> {
                            if (again == Progress.NONE) {
                                log.info("Checkpoint store {} already holds {} checkpoints of stream {} and no KCL lease"
                                        + " table import marker: no import", store, stored.size(), streamArn);
                                return Mono.empty();
                            }
                            return ifNeeded(again, streamArn, store, first, then);
                        })));
    }

    private <T> Mono<T> ifNeeded(Progress progress, String streamArn, CheckpointStore store, boolean first,
            Mono<T> then) {
        if (progress == Progress.COMPLETE) {
            log.info("Checkpoint store {}: the KCL lease table import into stream {} is complete", store, streamArn);
            return Mono.empty();
        }
        if (first) {
            log.info("Checkpoint store {}: a KCL lease table import into stream {} was started and is not complete (a"
                    + " crash, or another receiver importing now): importing {} again; checkpoints committed since are"
                    + " kept", store, streamArn, options.leaseTableName());
        }
        return then;
    }

    /** How far the import into {@code store} went. */
    private enum Progress { NONE, STARTED, COMPLETE }

    private static Mono<Progress> progress(String streamArn, CheckpointStore store) {
        return store.load(progressKey(streamArn)).map(stored -> {
            ShardCheckpoint marker = stored.get(PROGRESS_SHARD);
            return marker == null ? Progress.NONE : marker.ended() ? Progress.COMPLETE : Progress.STARTED;
        });
    }

    /** The leases of the stream by shard id, in shard id order (DynamoDB shard ids start with their creation time). */
    private Map<String, KclLease> leasesOf(List<Map<String, AttributeValue>> items, String streamArn,
            String tableName, String label) {
        String table = options.leaseTableName();
        Map<String, KclLease> leases = new TreeMap<>();
        int others = 0;
        for (Map<String, AttributeValue> item : items) {
            if (!KclLease.isLease(item)) {
                continue;
            }
            KclLease lease = KclLease.parse(table, item);
            if (!lease.belongsTo(tableName, label)) {
                others++;
                continue;
            }
            KclLease previous = leases.putIfAbsent(lease.shardId(), lease);
            if (previous != null) {
                throw new KclLeaseTableException("KCL lease table " + table + " holds two leases of shard "
                        + lease.shardId() + ": " + previous.leaseKey() + " and " + lease.leaseKey());
            }
        }
        if (leases.isEmpty()) {
            throw new KclLeaseTableException("KCL lease table " + table + " holds no lease of stream " + streamArn
                    + (others > 0 ? " (it holds " + others + " leases of other streams)" : " (it holds no lease)"));
        }
        return leases;
    }

    // ---------------------------------------------------------------- safety

    private void refuseHandOffs(Map<String, KclLease> leases) {
        List<String> handOffs = leases.values().stream()
                .filter(lease -> lease.checkpointOwner() != null && !lease.checkpointOwner().isEmpty())
                .map(lease -> lease.leaseKey() + " (from " + lease.checkpointOwner() + " to " + lease.owner() + ")")
                .collect(Collectors.toList());
        if (!handOffs.isEmpty()) {
            throw new KclLeaseTableException("KCL lease table " + options.leaseTableName() + ": a checkpoint hand-off is"
                    + " in progress for " + handOffs.size() + " leases, " + named(handOffs)
                    + ": the KCL application still runs. Stop every KCL worker, or set force(true)");
        }
    }

    private void refuseMovingCounters(Map<String, KclLease> first, Map<String, KclLease> second) {
        Set<String> shards = new HashSet<>(first.keySet());
        shards.addAll(second.keySet());
        List<String> moving = new ArrayList<>();
        for (String shardId : new TreeSet<>(shards)) {
            KclLease before = first.get(shardId);
            KclLease after = second.get(shardId);
            if (before == null || after == null) {
                moving.add((after == null ? before : after).leaseKey() + (after == null ? " (deleted)" : " (created)"));
            } else if (!Objects.equals(before.counter(), after.counter())) {
                moving.add(after.leaseKey() + " (owner " + after.owner() + ", leaseCounter " + before.counter() + " → "
                        + after.counter() + ")");
            }
        }
        if (!moving.isEmpty()) {
            throw new KclLeaseTableException("KCL lease table " + options.leaseTableName() + ": " + moving.size()
                    + " leases changed within " + options.observationWindow() + ", " + named(moving)
                    + ": the KCL application still runs. Stop every KCL worker, or set force(true)");
        }
    }

    private static String named(List<String> items) {
        return items.size() <= NAMED_IN_ERRORS ? String.join(", ", items)
                : String.join(", ", items.subList(0, NAMED_IN_ERRORS)) + " and " + (items.size() - NAMED_IN_ERRORS)
                        + " more";
    }

    // ---------------------------------------------------------------- planning

    /** Where every shard the lease table or the stream knows resumes (see the class javadoc for the rules). */
    static List<ShardResume> resumes(Map<String, KclLease> leases, Map<String, String> streamShards) {
        Map<String, Set<String>> parents = new HashMap<>();
        streamShards.forEach((shard, parent) -> {
            if (parent != null) {
                parents.computeIfAbsent(shard, k -> new HashSet<>()).add(parent);
            }
        });
        leases.values().forEach(lease -> parents.computeIfAbsent(lease.shardId(), k -> new HashSet<>())
                .addAll(lease.parentShardIds()));
        Map<String, Set<String>> children = new HashMap<>();
        parents.forEach((child, ps) -> ps.forEach(p -> children.computeIfAbsent(p, k -> new HashSet<>()).add(child)));

        Map<String, ShardResume> plan = new LinkedHashMap<>();
        for (KclLease lease : leases.values()) {
            plan.put(lease.shardId(), fromLease(lease, parents));
        }
        for (KclLease lease : leases.values()) {
            for (String parent : lease.parentShardIds()) {
                if (!leases.containsKey(parent)) {
                    plan.putIfAbsent(parent, new ShardResume(parent, ShardResume.Position.FINISHED, null,
                            "no lease, its child " + lease.shardId() + " has one: finished and cleaned up by the KCL"
                                    + " or skipped by its initial position"));
                }
            }
        }
        for (String shard : streamShards.keySet()) {
            if (plan.containsKey(shard)) {
                continue;
            }
            String descendant = leasedDescendant(shard, children, leases);
            if (descendant != null) {
                plan.put(shard, new ShardResume(shard, ShardResume.Position.FINISHED, null,
                        "in the stream without a lease, its descendant " + descendant + " has one"));
                continue;
            }
            String ancestor = knownAncestor(shard, parents, plan);
            plan.put(shard, ancestor != null
                    ? new ShardResume(shard, ShardResume.Position.FROM_BEGINNING, null,
                            "newer than the lease table, below " + ancestor)
                    : new ShardResume(shard, ShardResume.Position.NOT_STARTED, null,
                            "in the stream without a lease or a known ancestor"));
        }
        return new ArrayList<>(plan.values());
    }

    private static ShardResume fromLease(KclLease lease, Map<String, Set<String>> parents) {
        String checkpoint = lease.checkpoint();
        if (KclLease.SHARD_END.equals(checkpoint)) {
            return new ShardResume(lease.shardId(), ShardResume.Position.FINISHED, null, "KCL checkpoint SHARD_END");
        }
        if (!KclLease.NOT_STARTED.contains(checkpoint)) {
            String pending = lease.pendingCheckpoint() == null ? ""
                    : "; pendingCheckpoint " + lease.pendingCheckpoint() + " not used";
            return new ShardResume(lease.shardId(), ShardResume.Position.AFTER_SEQUENCE_NUMBER, checkpoint,
                    "KCL checkpoint" + pending);
        }
        // every parent ends up finished, resumed or read first (see resumes), so the child starts at its beginning
        Set<String> known = parents.getOrDefault(lease.shardId(), Set.of());
        if (!known.isEmpty()) {
            return new ShardResume(lease.shardId(), ShardResume.Position.FROM_BEGINNING, null,
                    "KCL checkpoint " + checkpoint + ", below " + String.join(", ", new TreeSet<>(known)));
        }
        return new ShardResume(lease.shardId(), ShardResume.Position.NOT_STARTED, null,
                "KCL checkpoint " + checkpoint + ", no parent known");
    }

    private static String leasedDescendant(String shard, Map<String, Set<String>> children, Map<String, KclLease> leases) {
        Deque<String> todo = new ArrayDeque<>(children.getOrDefault(shard, Set.of()));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String next = todo.poll();
            if (!seen.add(next)) {
                continue;
            }
            if (leases.containsKey(next)) {
                return next;
            }
            todo.addAll(children.getOrDefault(next, Set.of()));
        }
        return null;
    }

    private static String knownAncestor(String shard, Map<String, Set<String>> parents, Map<String, ShardResume> plan) {
        Deque<String> todo = new ArrayDeque<>(parents.getOrDefault(shard, Set.of()));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String next = todo.poll();
            if (!seen.add(next)) {
                continue;
            }
            if (plan.containsKey(next)) {
                return next;
            }
            todo.addAll(parents.getOrDefault(next, Set.of()));
        }
        return null;
    }
}
