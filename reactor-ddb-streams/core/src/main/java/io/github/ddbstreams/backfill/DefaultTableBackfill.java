package io.github.ddbstreams.backfill;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.lease.internal.Lease;
import io.github.ddbstreams.lease.internal.LeaseCoordinator;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StartPosition;
import io.github.ddbstreams.internal.AwsFaults;
import io.github.ddbstreams.internal.ItemSizes;
import io.github.ddbstreams.internal.Retries;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/** The {@link TableBackfill}: a parallel, paginated, resumable Scan and the hand-off to the stream. */
final class DefaultTableBackfill implements TableBackfill {

    private static final Logger log = LoggerFactory.getLogger(DefaultTableBackfill.class);

    private final BackfillOptions options;
    private final BackfillPositionStore store;
    private final String backfillId;
    private final String tableName;

    DefaultTableBackfill(BackfillOptions options) {
        this.options = options;
        this.store = options.positionStore() != null ? options.positionStore() : BackfillPositionStore.inMemory();
        this.backfillId = options.backfillId();
        this.tableName = options.tableName();
    }

    @Override
    public Flux<ChangeRecord> scan() {
        return Flux.defer(() -> prepare().flatMapMany(this::scanAll));
    }

    @Override
    public Flux<ChangeRecord> backfillThenStream(ReceiverOptions receiverOptions) {
        Objects.requireNonNull(receiverOptions, "receiverOptions");
        if (receiverOptions.tableName() != null && !receiverOptions.tableName().equals(tableName)) {
            throw new IllegalArgumentException("receiverOptions.tableName ('" + receiverOptions.tableName()
                    + "') must be the backfilled table ('" + tableName + "')");
        }
        return Flux.defer(() -> prepare().flatMapMany(plan -> {
            if (plan.streamArn == null) {
                return Flux.error(new BackfillException(BackfillException.Reason.STREAM_NOT_ENABLED, "Table '"
                        + tableName + "' had no stream enabled when backfill '" + backfillId + "' started: enable one"
                        + " (e.g. StreamViewType NEW_AND_OLD_IMAGES) before the backfill, or use scan() alone", null));
            }
            Mono<Void> resumeCheck = plan.resumed ? checkHandOff(plan, receiverOptions) : Mono.empty();
            return resumeCheck.thenMany(Flux.concat(
                    scanAll(plan),
                    checkHandOff(plan, receiverOptions).thenMany(Flux.defer(() -> stream(plan, receiverOptions)))));
        }));
    }

    @Override
    public Mono<List<BackfillPosition>> positions() {
        return store.load(backfillId);
    }

    @Override
    public BackfillOptions options() {
        return options;
    }

    // ---------------------------------------------------------------- preparation

    /** What one run scans: the table's keys and stream, and where each segment starts. */
    private record Plan(List<String> keyNames, String streamArn, StreamViewType viewType, Instant startedAt,
            Map<Integer, BackfillPosition> positions, boolean resumed) {
    }

    private record TableInfo(List<String> keyNames, String streamArn, StreamViewType viewType) {
    }

    private Mono<Plan> prepare() {
        return describe().flatMap(table -> store.load(backfillId).flatMap(saved -> plan(table, saved)));
    }

    /** Throttled, 5xx, timed-out and I/O-failed calls are retried; then the backfill fails. */
    private Retry retry(String what) {
        return Retries.retry(options.retry(), options.scheduler(), what, AwsFaults::isRetryable, Retries.Observer.NONE,
                Retries::giveUp);
    }

    private Mono<TableInfo> describe() {
        return Mono.fromFuture(() -> options.dynamoDbClient().describeTable(b -> b.tableName(tableName)))
                .retryWhen(retry("DescribeTable " + tableName))
                .onErrorMap(AwsFaults::isResourceNotFound, e -> new BackfillException(
                        BackfillException.Reason.TABLE_NOT_FOUND, "Table '" + tableName + "' does not exist",
                        AwsFaults.unwrap(e)))
                .map(response -> tableInfo(response.table()));
    }

    private static TableInfo tableInfo(TableDescription table) {
        List<String> keys = new ArrayList<>(2);
        table.keySchema().stream()
                .sorted(Comparator.comparing(k -> k.keyType() == KeyType.HASH ? 0 : 1))
                .map(KeySchemaElement::attributeName)
                .forEach(keys::add);
        boolean streamEnabled = table.streamSpecification() != null
                && Boolean.TRUE.equals(table.streamSpecification().streamEnabled());
        String streamArn = streamEnabled ? table.latestStreamArn() : null;
        StreamViewType viewType = streamEnabled ? table.streamSpecification().streamViewType() : null;
        return new TableInfo(List.copyOf(keys), streamArn, viewType);
    }

    private Mono<Plan> plan(TableInfo table, List<BackfillPosition> saved) {
        int total = options.totalSegments();
        Map<Integer, BackfillPosition> positions = new TreeMap<>();
        if (!saved.isEmpty()) {
            for (BackfillPosition position : saved) {
                if (!position.tableName().equals(tableName) || position.totalSegments() != total) {
                    return Mono.error(new BackfillException(BackfillException.Reason.POSITIONS_MISMATCH,
                            "The saved positions of backfill '" + backfillId + "' are for table '" + position.tableName()
                                    + "' with totalSegments=" + position.totalSegments() + ", but this backfill scans '"
                                    + tableName + "' with totalSegments=" + total
                                    + ": use the same options to resume, or another backfillId to start over", null));
                }
                positions.put(position.segment(), position);
            }
            BackfillPosition first = saved.stream().min(Comparator.comparing(BackfillPosition::startedAt)).orElseThrow();
            List<BackfillPosition> missing = new ArrayList<>();
            for (int segment = 0; segment < total; segment++) {
                if (!positions.containsKey(segment)) {
                    BackfillPosition start = BackfillPosition.start(tableName, segment, total, first.startedAt(),
                            first.streamArn());
                    positions.put(segment, start);
                    missing.add(start);
                }
            }
            long completed = positions.values().stream().filter(BackfillPosition::isCompleted).count();
            log.info("Backfill '{}' of table '{}' resumes: {} of {} segments completed, started at {}", backfillId,
                    tableName, completed, total, first.startedAt());
            Plan plan = new Plan(table.keyNames(), first.streamArn(), table.viewType(), first.startedAt(), positions, true);
            return store.save(backfillId, missing).thenReturn(plan);
        }
        Instant startedAt = Instant.ofEpochMilli(options.scheduler().now(TimeUnit.MILLISECONDS));
        for (int segment = 0; segment < total; segment++) {
            positions.put(segment, BackfillPosition.start(tableName, segment, total, startedAt, table.streamArn()));
        }
        log.info("Backfill '{}' of table '{}' starts at {} with {} segments (stream {})", backfillId, tableName,
                startedAt, total, table.streamArn());
        // Saved before the first page is read, so a resumed backfill hands over from this run's start.
        Plan plan = new Plan(table.keyNames(), table.streamArn(), table.viewType(), startedAt, positions, false);
        return store.save(backfillId, positions.values()).thenReturn(plan);
    }

    // ---------------------------------------------------------------- the scan

    private Flux<ChangeRecord> scanAll(Plan plan) {
        List<BackfillPosition> open = plan.positions.values().stream().filter(p -> !p.isCompleted()).toList();
        if (open.isEmpty()) {
            log.info("Backfill '{}' of table '{}' was already completed", backfillId, tableName);
            return Flux.empty();
        }
        // prefetch 1: each segment holds at most the page being emitted; concurrency: every segment at once.
        return Flux.fromIterable(open).flatMap(position -> segment(plan, position), open.size(), 1)
                .doOnComplete(() -> log.info("Backfill '{}' of table '{}': every page was emitted", backfillId, tableName));
    }

    /** A segment's items, page after page; the next page is asked for once the current one was emitted. */
    private Flux<ChangeRecord> segment(Plan plan, BackfillPosition start) {
        SegmentProgress progress = new SegmentProgress(store, backfillId, start);
        int segment = start.segment();
        String shardId = SHARD_ID_PREFIX + segment;
        return page(segment, start.lastEvaluatedKey())
                .expand(page -> page.hasLastEvaluatedKey() ? page(segment, page.lastEvaluatedKey()) : Mono.empty())
                // prefetch 0: the next page is requested only once every item of this one was emitted
                .concatMap(page -> Flux.fromIterable(records(plan, progress, shardId, page)), 0)
                .doOnComplete(() -> log.debug("Backfill '{}' segment {} read to its end", backfillId, segment));
    }

    private Mono<ScanResponse> page(int segment, Map<String, AttributeValue> exclusiveStartKey) {
        ScanRequest request = ScanRequest.builder()
                .tableName(tableName)
                .segment(segment)
                .totalSegments(options.totalSegments())
                .limit(options.pageSize())
                .consistentRead(options.consistentRead())
                .exclusiveStartKey(exclusiveStartKey.isEmpty() ? null : exclusiveStartKey)
                .build();
        // The Scan call starts only when its page is requested: expand() subscribes to the next page as soon as
        // the current one is emitted, and hide() keeps Reactor from resolving the one-element source (and so
        // making the call) at subscription time.
        return Flux.just(request).hide()
                .concatMap(r -> Mono.fromFuture(() -> options.dynamoDbClient().scan(r))
                        .retryWhen(retry("Scan of table " + tableName + " segment " + segment)), 0)
                .next()
                .onErrorMap(AwsFaults::isResourceNotFound, e -> new BackfillException(
                        BackfillException.Reason.TABLE_NOT_FOUND, "Table '" + tableName
                                + "' does not exist (deleted during backfill '" + backfillId + "'?)", AwsFaults.unwrap(e)));
    }

    private List<ChangeRecord> records(Plan plan, SegmentProgress progress, String shardId, ScanResponse page) {
        List<Map<String, AttributeValue>> items = page.items();
        SegmentProgress.Page tracked = progress.newPage(items.size(),
                page.hasLastEvaluatedKey() ? page.lastEvaluatedKey() : Map.of());
        Instant readAt = Instant.ofEpochMilli(options.scheduler().now(TimeUnit.MILLISECONDS));
        List<ChangeRecord> records = new ArrayList<>(items.size());
        for (Map<String, AttributeValue> item : items) {
            Map<String, AttributeValue> keys = new LinkedHashMap<>(4);
            for (String name : plan.keyNames) {
                AttributeValue value = item.get(name);
                if (value != null) {
                    keys.put(name, value);
                }
            }
            records.add(ChangeRecord.builder()
                    .eventId("backfill-" + UUID.randomUUID())
                    .eventName(EventName.INSERT)
                    .keys(keys)
                    .newImage(item)
                    .sequenceNumber(SEQUENCE_NUMBER)
                    .sizeBytes(ItemSizes.itemBytes(item))
                    .streamViewType(plan.viewType)
                    .approximateCreationTime(readAt)
                    .shardId(shardId)
                    .streamArn(plan.streamArn == null ? "" : plan.streamArn)
                    .checkpoint(tracked.checkpoint())
                    .build());
        }
        return records;
    }

    // ---------------------------------------------------------------- the hand-off

    /** Fails unless the stream noted at the start is still the table's and still holds the start's changes. */
    private Mono<Void> checkHandOff(Plan plan, ReceiverOptions receiverOptions) {
        return Mono.defer(() -> {
            if (receiverOptions.streamArn() != null && !receiverOptions.streamArn().equals(plan.streamArn)) {
                return Mono.error(new BackfillException(BackfillException.Reason.STREAM_CHANGED, "receiverOptions.streamArn "
                        + receiverOptions.streamArn() + " is not the stream of table '" + tableName
                        + "' when backfill '" + backfillId + "' started (" + plan.streamArn + ")", null));
            }
            return describe().flatMap(table -> {
                if (!plan.streamArn.equals(table.streamArn())) {
                    return Mono.error(new BackfillException(BackfillException.Reason.STREAM_CHANGED, "The stream of table '"
                            + tableName + "' changed since backfill '" + backfillId + "' started (then " + plan.streamArn
                            + ", now " + (table.streamArn() == null ? "none" : table.streamArn()) + "): the changes made"
                            + " while it was disabled are in no stream. Start a new backfill (another backfillId)", null));
                }
                return checkRetention(plan, receiverOptions);
            });
        });
    }

    private Mono<Void> checkRetention(Plan plan, ReceiverOptions receiverOptions) {
        Instant now = Instant.ofEpochMilli(options.scheduler().now(TimeUnit.MILLISECONDS));
        Instant from = plan.startedAt.minus(options.streamOverlap());
        Duration elapsed = Duration.between(from, now);
        if (elapsed.compareTo(options.streamRetention()) < 0) {
            return Mono.empty();
        }
        CheckpointStore checkpoints = receiverOptions.leases() != null
                ? leaseCheckpoints(receiverOptions, plan.streamArn)
                : receiverOptions.checkpointStore();
        Mono<Boolean> alreadyStreaming = checkpoints == null
                ? Mono.just(false)
                : checkpoints.load(plan.streamArn).map(stored -> !stored.isEmpty());
        return alreadyStreaming.flatMap(streaming -> streaming ? Mono.<Void>empty() : Mono.error(new BackfillException(
                BackfillException.Reason.HAND_OFF_EXPIRED, "Backfill '" + backfillId + "' of table '" + tableName
                        + "' started at " + plan.startedAt + "; the stream would have to be read from " + from + ", "
                        + elapsed + " ago, but it keeps records for " + options.streamRetention()
                        + " (streamRetention): changes made at the start may have been trimmed, so the hand-off could"
                        + " lose them. Start a new backfill (another backfillId), with more totalSegments to finish"
                        + " in time", null)));
    }

    /** With leases, the checkpoints live in the lease table: read through a coordinator that is never started. */
    private static CheckpointStore leaseCheckpoints(ReceiverOptions receiverOptions, String streamArn) {
        return new LeaseCoordinator(receiverOptions.leases(), streamArn, receiverOptions.scheduler(),
                new LeaseCoordinator.Listener() {
                    @Override
                    public void acquired(Lease lease) {
                    }

                    @Override
                    public void lost(String shardId) {
                    }

                    @Override
                    public void handoffRequested(String shardId) {
                    }
                }).checkpointStore();
    }

    private Flux<ChangeRecord> stream(Plan plan, ReceiverOptions receiverOptions) {
        Instant from = plan.startedAt.minus(options.streamOverlap());
        log.info("Backfill '{}' of table '{}' hands over to stream {} from {}", backfillId, tableName, plan.streamArn, from);
        ReceiverOptions streamOptions = receiverOptions.toBuilder()
                .tableName(null)
                .streamArn(plan.streamArn)
                .startPosition(StartPosition.atTimestamp(from))
                .build();
        return DynamoDbStreamsReceiver.create(streamOptions).receive();
    }
}
