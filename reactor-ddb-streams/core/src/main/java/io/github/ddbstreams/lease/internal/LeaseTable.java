package io.github.ddbstreams.lease.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.ddbstreams.internal.DynamoDbTables;
import io.github.ddbstreams.lease.LeaseOptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * The lease table: one item per shard (partition key {@value #STREAM_ARN}, sort key {@value #SHARD_ID}).
 * Every change is conditional, on the owner or on the lease counter.
 */
public final class LeaseTable {

    static final String STREAM_ARN = "streamArn";
    static final String SHARD_ID = "shardId";
    static final String OWNER = "leaseOwner";
    static final String COUNTER = "leaseCounter";
    static final String CHECKPOINT = "checkpoint";
    static final String ENDED = "ended";
    static final String PARENTS = "parentShardIds";
    static final String HANDOFF_TO = "handoffTo";
    /** The owning process's instance token: a worker id reused by two live processes does not make both owners. */
    static final String OWNER_TOKEN = "leaseOwnerToken";
    static final String UPDATED_AT = "updatedAt";
    /** Set on a lease recorded ended without being read (closed before a LATEST start). */
    static final String ENDED_UNREAD = "endedUnread";
    /**
     * Set on a lease created from a listing that showed the shard closed, so that a worker that learns the shard
     * from the lease table (not the describer) knows it too (a {@code latest()} start records such a shard ended
     * unread when it has no read ancestor). Absent from older items: read as open.
     */
    static final String SHARD_CLOSED = "shardClosed";
    /**
     * The sort key of the one item that is no lease: the progress of the initial-checkpoints import
     * ({@link LeaseOptions#initialCheckpoints()}). Never a shard id (those start with {@code shardId-}); {@link #list}
     * leaves it out.
     */
    static final String IMPORT_MARKER = "~initialCheckpointsImport";
    /** The marker's attribute: {@link ImportProgress#STARTED} or {@link ImportProgress#COMPLETE} (string). */
    static final String IMPORT_PROGRESS = "importProgress";

    /**
     * The sort key of the item that names the stream's describer: the one worker that lists the whole stream
     * (DescribeStream, every page) and creates the leases of new shards; the others learn the shards from the
     * leases. Never a shard id; {@link #list} leaves it out. Its attributes are not the leases' (no
     * {@value #COUNTER}), so nothing that reads leases mistakes it for one.
     */
    static final String DISCOVERY_MARKER = "~discovery";
    /** The describer's worker id. */
    static final String DESCRIBER = "describer";
    /** The describer process's instance token. */
    static final String DESCRIBER_TOKEN = "describerToken";
    /** Incremented by each renewal and change of describer: others see it move while the describer lives. */
    static final String DESCRIBER_COUNTER = "describerCounter";
    /** The stream's status in the describer's last listing ({@code ENABLED}, {@code DISABLED}, ...). */
    static final String STREAM_STATUS = "streamStatus";
    /**
     * How long before this write of the item the describer's last complete listing of the stream was, by its own
     * clock: a duration, so that the next describer knows when the stream is due for a listing without comparing
     * clocks across workers. Absent before the describer's first listing, and in items of older versions.
     */
    static final String LISTED_AGO = "listedMillisAgo";

    /**
     * The sort key prefix of a worker's presence item ({@code ~worker#<workerId>}): each worker writes its own every
     * take tick, before its first take, so that the others count it in the share even while it holds no lease.
     * Never a shard id; {@link #list} leaves them out.
     */
    static final String WORKER_PREFIX = "~worker#";
    /** The presence item's worker id. */
    static final String WORKER = "workerId";
    /** Changed by every write of a presence item: others see it move while the worker lives. */
    static final String WORKER_BEAT = "workerBeat";

    /**
     * The discovery item as read.
     *
     * @param describer the describing worker's id, or {@code null} once it gave the role up
     * @param token its process's instance token
     * @param counter incremented by each renewal
     * @param streamStatus the stream's status in its last listing, or {@code null} before the first one
     * @param listedMillisAgo how long before its last write the describer listed the stream ({@value #LISTED_AGO}),
     *     or {@code null} when unknown
     */
    record Describer(String describer, String token, long counter, String streamStatus, Long listedMillisAgo) {
    }

    /**
     * One strongly consistent listing of the stream's items.
     *
     * @param leases the leases
     * @param describer the discovery item, or {@code null} when there is none
     * @param workers the presence items: worker id to its last beat
     */
    record Snapshot(List<Lease> leases, Describer describer, Map<String, Long> workers) {
    }

    /** How far the initial-checkpoints import of the stream went. */
    enum ImportProgress {
        /** No import was started: the table was never seeded (or by a version without the marker). */
        NONE,
        /** Written before the import's first lease: an import is under way, or its worker died before the end. */
        STARTED,
        /** Written after the import's every lease. */
        COMPLETE
    }

    private final DynamoDbAsyncClient client;
    private final String tableName;
    private final String streamArn;
    private final Mono<Void> ready;
    private final AttributeValue token;

    /** @param ownerToken this process's instance token, written with every lease it owns */
    public LeaseTable(LeaseOptions options, String streamArn, String ownerToken) {
        this.token = AttributeValue.fromS(ownerToken);
        this.client = options.client();
        this.tableName = options.tableName();
        this.streamArn = streamArn;
        this.ready = DynamoDbTables.ready(client, tableName, "Lease", STREAM_ARN, SHARD_ID,
                options.createTableIfAbsent(), options.tableCreationTimeout());
    }

    String tableName() {
        return tableName;
    }

    /** Every lease of the stream (strongly consistent). */
    Mono<List<Lease>> list() {
        return snapshot().map(Snapshot::leases);
    }

    /** Every lease of the stream and the discovery item, in one strongly consistent query. */
    Mono<Snapshot> snapshot() {
        QueryRequest request = QueryRequest.builder()
                .tableName(tableName)
                .keyConditionExpression("#arn = :arn")
                .expressionAttributeNames(Map.of("#arn", STREAM_ARN))
                .expressionAttributeValues(Map.of(":arn", AttributeValue.fromS(streamArn)))
                .consistentRead(true)
                .build();
        return ready.thenMany(Flux.defer(() -> Flux.from(client.queryPaginator(request).items())))
                .collectList()
                .map(items -> {
                    List<Lease> leases = new ArrayList<>(items.size());
                    Describer describer = null;
                    Map<String, Long> workers = new HashMap<>();
                    for (Map<String, AttributeValue> item : items) {
                        String key = item.get(SHARD_ID).s();
                        if (DISCOVERY_MARKER.equals(key)) {
                            describer = toDescriber(item);
                        } else if (key.startsWith(WORKER_PREFIX)) {
                            if (item.containsKey(WORKER) && item.containsKey(WORKER_BEAT)) {
                                workers.put(item.get(WORKER).s(), Long.parseLong(item.get(WORKER_BEAT).n()));
                            }
                        } else if (!IMPORT_MARKER.equals(key)) {
                            leases.add(toLease(item));
                        }
                    }
                    return new Snapshot(leases, describer, workers);
                });
    }

    /**
     * Writes this worker's presence item with a new beat (unconditional: the item is this worker's alone; a beat
     * that differs from the one last seen is all the others look at, never the clock).
     */
    Mono<Void> beat(String workerId, long beat) {
        Map<String, AttributeValue> item = new HashMap<>(key(WORKER_PREFIX + workerId));
        item.put(WORKER, AttributeValue.fromS(workerId));
        item.put(OWNER_TOKEN, token);
        item.put(WORKER_BEAT, AttributeValue.fromN(Long.toString(beat)));
        item.put(UPDATED_AT, now());
        return ready.then(Mono.fromFuture(() -> client.putItem(r -> r.tableName(tableName).item(item)))).then();
    }

    /**
     * Deletes this process's presence item (a worker stopping gracefully), so that the others stop counting it at
     * their next take tick; leaves it when another process with the same worker id wrote it since.
     */
    Mono<Void> leave(String workerId) {
        return ready.then(Mono.fromFuture(() -> client.deleteItem(r -> r.tableName(tableName)
                        .key(key(WORKER_PREFIX + workerId))
                        .conditionExpression("#token = :token")
                        .expressionAttributeNames(Map.of("#token", OWNER_TOKEN))
                        .expressionAttributeValues(Map.of(":token", token)))))
                .onErrorResume(ConditionalCheckFailedException.class, e -> Mono.empty())
                .then();
    }

    /**
     * Makes this worker the describer: creates the discovery item when {@code observed} is {@code null} (none
     * existed), else takes it over if its counter is still the one observed (the describer gave the role up, stood
     * still for failoverTime, or is this worker's own item written by an earlier process). Empty when someone
     * changed it first.
     */
    Mono<Describer> takeDiscovery(Describer observed, String workerId) {
        if (observed == null) {
            Map<String, AttributeValue> item = new HashMap<>(key(DISCOVERY_MARKER));
            item.put(DESCRIBER, AttributeValue.fromS(workerId));
            item.put(DESCRIBER_TOKEN, token);
            item.put(DESCRIBER_COUNTER, AttributeValue.fromN("0"));
            item.put(UPDATED_AT, now());
            return ready.then(Mono.fromFuture(() -> client.putItem(r -> r.tableName(tableName).item(item)
                            .conditionExpression("attribute_not_exists(#shard)")
                            .expressionAttributeNames(Map.of("#shard", SHARD_ID)))))
                    .thenReturn(new Describer(workerId, token.s(), 0, null, null))
                    .onErrorResume(ConditionalCheckFailedException.class, e -> Mono.empty());
        }
        return updateDiscovery("SET #describer = :me, #token = :token, #counter = #counter + :one, #updated = :now",
                "#counter = :observed",
                Map.of("#describer", DESCRIBER, "#token", DESCRIBER_TOKEN, "#counter", DESCRIBER_COUNTER,
                        "#updated", UPDATED_AT),
                Map.of(":me", AttributeValue.fromS(workerId), ":token", token, ":one", AttributeValue.fromN("1"),
                        ":now", now(), ":observed", AttributeValue.fromN(Long.toString(observed.counter()))))
                .onErrorResume(ConditionalCheckFailedException.class, e -> Mono.empty());
    }

    /**
     * Renews this process's describer role, recording the stream status of its last listing ({@code null}: none
     * yet, left as it is) and how long ago that listing was ({@code null}: left as it is); empty when another worker
     * took the role.
     */
    Mono<Describer> renewDiscovery(String workerId, String streamStatus, Long listedMillisAgo) {
        Map<String, String> names = new HashMap<>(Map.of("#describer", DESCRIBER, "#token", DESCRIBER_TOKEN,
                "#counter", DESCRIBER_COUNTER, "#updated", UPDATED_AT));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":me", AttributeValue.fromS(workerId),
                ":token", token, ":one", AttributeValue.fromN("1"), ":now", now()));
        String update = "SET #counter = #counter + :one, #updated = :now";
        if (streamStatus != null) {
            update += ", #status = :status";
            names.put("#status", STREAM_STATUS);
            values.put(":status", AttributeValue.fromS(streamStatus));
        }
        update += listedAgo(listedMillisAgo, names, values);
        return updateDiscovery(update, "#describer = :me AND #token = :token", names, values)
                .onErrorResume(ConditionalCheckFailedException.class, e -> Mono.empty());
    }

    /**
     * Gives up this process's describer role (a worker stopping gracefully): clears the describer's name, so that
     * another worker takes the role at its next take tick instead of after {@code failoverTime}; completes quietly
     * when another worker holds it.
     */
    Mono<Void> releaseDiscovery(String workerId, Long listedMillisAgo) {
        Map<String, String> names = new HashMap<>(Map.of("#describer", DESCRIBER, "#token", DESCRIBER_TOKEN,
                "#counter", DESCRIBER_COUNTER, "#updated", UPDATED_AT));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":me", AttributeValue.fromS(workerId),
                ":token", token, ":one", AttributeValue.fromN("1"), ":now", now()));
        String set = "SET #counter = #counter + :one, #updated = :now" + listedAgo(listedMillisAgo, names, values);
        return updateDiscovery(set + " REMOVE #describer, #token", "#describer = :me AND #token = :token", names,
                values)
                .onErrorResume(ConditionalCheckFailedException.class, e -> Mono.empty())
                .then();
    }

    /** The SET clause recording {@value #LISTED_AGO} (empty when unknown), its names and values added. */
    private static String listedAgo(Long listedMillisAgo, Map<String, String> names, Map<String, AttributeValue> values) {
        if (listedMillisAgo == null) {
            return "";
        }
        names.put("#listedAgo", LISTED_AGO);
        values.put(":listedAgo", AttributeValue.fromN(Long.toString(listedMillisAgo)));
        return ", #listedAgo = :listedAgo";
    }

    private Mono<Describer> updateDiscovery(String update, String condition, Map<String, String> names,
            Map<String, AttributeValue> values) {
        return conditionalUpdate(DISCOVERY_MARKER, update, condition, names, values).map(LeaseTable::toDescriber);
    }

    static Describer toDescriber(Map<String, AttributeValue> item) {
        return new Describer(
                item.containsKey(DESCRIBER) ? item.get(DESCRIBER).s() : null,
                item.containsKey(DESCRIBER_TOKEN) ? item.get(DESCRIBER_TOKEN).s() : null,
                item.containsKey(DESCRIBER_COUNTER) ? Long.parseLong(item.get(DESCRIBER_COUNTER).n()) : 0L,
                item.containsKey(STREAM_STATUS) ? item.get(STREAM_STATUS).s() : null,
                item.containsKey(LISTED_AGO) ? Long.valueOf(item.get(LISTED_AGO).n()) : null);
    }

    /**
     * Creates the lease of a shard unless it exists ({@code closed}: the listing it comes from showed the shard
     * closed); completes either way.
     */
    Mono<Void> createIfAbsent(String shardId, List<String> parentShardIds, boolean closed) {
        return createIfAbsent(shardId, parentShardIds, null, false, closed).then();
    }

    /**
     * Creates the free lease of a shard with a checkpoint (an imported one) unless the lease exists; emits whether
     * it created it: a lease that exists is never changed.
     */
    Mono<Boolean> createIfAbsent(String shardId, List<String> parentShardIds, String checkpoint, boolean ended) {
        return createIfAbsent(shardId, parentShardIds, checkpoint, ended, false);
    }

    private Mono<Boolean> createIfAbsent(String shardId, List<String> parentShardIds, String checkpoint, boolean ended,
            boolean closed) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(STREAM_ARN, AttributeValue.fromS(streamArn));
        item.put(SHARD_ID, AttributeValue.fromS(shardId));
        item.put(COUNTER, AttributeValue.fromN("0"));
        item.put(ENDED, AttributeValue.fromBool(ended));
        if (checkpoint != null) {
            item.put(CHECKPOINT, AttributeValue.fromS(checkpoint));
        }
        if (closed) {
            item.put(SHARD_CLOSED, AttributeValue.fromBool(true));
        }
        item.put(PARENTS, AttributeValue.fromL(parentShardIds.stream().map(AttributeValue::fromS).toList()));
        item.put(UPDATED_AT, now());
        return ready.then(Mono.fromFuture(() -> client.putItem(r -> r.tableName(tableName).item(item)
                        .conditionExpression("attribute_not_exists(#shard)")
                        .expressionAttributeNames(Map.of("#shard", SHARD_ID)))))
                .thenReturn(true)
                .onErrorResume(ConditionalCheckFailedException.class, exists -> Mono.just(false));
    }

    /** Takes a lease whose counter is still the one observed; empty when someone changed it first. */
    Mono<Lease> take(Lease observed, String workerId) {
        return update(observed.shardId(),
                "SET #owner = :me, #token = :token, #counter = #counter + :one, #updated = :now REMOVE #handoff",
                "#counter = :observed AND #ended = :false",
                Map.of("#owner", OWNER, "#token", OWNER_TOKEN, "#counter", COUNTER, "#updated", UPDATED_AT,
                        "#handoff", HANDOFF_TO, "#ended", ENDED),
                Map.of(":me", AttributeValue.fromS(workerId), ":token", token, ":one", AttributeValue.fromN("1"),
                        ":now", now(), ":observed", AttributeValue.fromN(Long.toString(observed.counter())),
                        ":false", AttributeValue.fromBool(false)))
                .onErrorResume(ConditionalCheckFailedException.class, e -> Mono.empty());
    }

    /** Increments the counter of a lease this worker owns; fails with {@link LeaseLostException} otherwise. */
    Mono<Lease> renew(String shardId, String workerId) {
        return update(shardId, "SET #counter = #counter + :one", "#owner = :me AND #token = :token",
                Map.of("#counter", COUNTER, "#owner", OWNER, "#token", OWNER_TOKEN),
                Map.of(":one", AttributeValue.fromN("1"), ":me", AttributeValue.fromS(workerId), ":token", token))
                .onErrorMap(ConditionalCheckFailedException.class, e -> new LeaseLostException(shardId, workerId, e));
    }

    /**
     * Stores the checkpoint of a lease this worker owns; an ended shard's lease is released at the same
     * time ({@code unread}: recorded ended without being read). Fails with {@link LeaseLostException} when the
     * worker no longer owns it.
     */
    Mono<Void> checkpoint(String shardId, String workerId, String sequenceNumber, boolean ended, boolean unread) {
        Map<String, String> names = new HashMap<>(Map.of("#owner", OWNER, "#token", OWNER_TOKEN, "#ended", ENDED,
                "#updated", UPDATED_AT));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":me", AttributeValue.fromS(workerId),
                ":token", token, ":ended", AttributeValue.fromBool(ended), ":now", now()));
        StringBuilder set = new StringBuilder("SET #ended = :ended, #updated = :now");
        if (sequenceNumber != null) {
            set.append(", #checkpoint = :seq");
            names.put("#checkpoint", CHECKPOINT);
            values.put(":seq", AttributeValue.fromS(sequenceNumber));
        }
        if (ended && unread) {
            set.append(", #unread = :unread");
            names.put("#unread", ENDED_UNREAD);
            values.put(":unread", AttributeValue.fromBool(true));
        }
        String expression = set.toString();
        if (ended) {
            expression += ", #counter = #counter + :one REMOVE #owner, #token, #handoff";
            names.put("#counter", COUNTER);
            names.put("#handoff", HANDOFF_TO);
            values.put(":one", AttributeValue.fromN("1"));
        }
        return update(shardId, expression, "#owner = :me AND #token = :token", names, values)
                .onErrorMap(ConditionalCheckFailedException.class, e -> new LeaseLostException(shardId, workerId, e))
                .then();
    }

    /** Frees a lease this worker owns; completes quietly when it no longer does. */
    Mono<Void> release(String shardId, String workerId) {
        return update(shardId, "SET #counter = #counter + :one, #updated = :now REMOVE #owner, #token, #handoff",
                "#owner = :me AND #token = :token",
                Map.of("#counter", COUNTER, "#updated", UPDATED_AT, "#owner", OWNER, "#token", OWNER_TOKEN,
                        "#handoff", HANDOFF_TO),
                Map.of(":one", AttributeValue.fromN("1"), ":now", now(), ":me", AttributeValue.fromS(workerId),
                        ":token", token))
                .onErrorResume(ConditionalCheckFailedException.class, e -> Mono.empty())
                .then();
    }

    /** Gives a lease this worker owns to the worker that asked for it. */
    Mono<Void> transfer(String shardId, String workerId, String to) {
        return update(shardId, "SET #owner = :to, #counter = #counter + :one, #updated = :now REMOVE #handoff, #token",
                "#owner = :me AND #token = :token AND #handoff = :to",
                Map.of("#owner", OWNER, "#counter", COUNTER, "#updated", UPDATED_AT, "#handoff", HANDOFF_TO,
                        "#token", OWNER_TOKEN),
                Map.of(":to", AttributeValue.fromS(to), ":one", AttributeValue.fromN("1"), ":now", now(),
                        ":me", AttributeValue.fromS(workerId), ":token", token))
                .onErrorResume(ConditionalCheckFailedException.class, e -> Mono.empty())
                .then();
    }

    /**
     * Claims a lease handed over to this worker id (owner set, no instance token yet); empty when another
     * process (with the same worker id) claimed it first, or it changed.
     */
    Mono<Lease> claim(String shardId, String workerId) {
        return update(shardId, "SET #token = :token, #counter = #counter + :one, #updated = :now",
                "#owner = :me AND attribute_not_exists(#token) AND #ended = :false",
                Map.of("#token", OWNER_TOKEN, "#counter", COUNTER, "#updated", UPDATED_AT, "#owner", OWNER,
                        "#ended", ENDED),
                Map.of(":token", token, ":one", AttributeValue.fromN("1"), ":now", now(),
                        ":me", AttributeValue.fromS(workerId), ":false", AttributeValue.fromBool(false)))
                .onErrorResume(ConditionalCheckFailedException.class, e -> Mono.empty());
    }

    /** Asks the owner of a lease to hand it over; false when the lease changed or someone asked first. */
    Mono<Boolean> requestHandoff(String shardId, String owner, String workerId) {
        return update(shardId, "SET #handoff = :me", "#owner = :owner AND attribute_not_exists(#handoff)",
                Map.of("#handoff", HANDOFF_TO, "#owner", OWNER),
                Map.of(":me", AttributeValue.fromS(workerId), ":owner", AttributeValue.fromS(owner)))
                .map(lease -> true)
                .onErrorResume(ConditionalCheckFailedException.class, e -> Mono.just(false));
    }

    /** Deletes an ended lease (once its children started). */
    Mono<Void> deleteEnded(String shardId) {
        return ready.then(Mono.fromFuture(() -> client.deleteItem(r -> r.tableName(tableName).key(key(shardId))
                        .conditionExpression("#ended = :true")
                        .expressionAttributeNames(Map.of("#ended", ENDED))
                        .expressionAttributeValues(Map.of(":true", AttributeValue.fromBool(true))))))
                .onErrorResume(ConditionalCheckFailedException.class, e -> Mono.empty())
                .then();
    }

    private Mono<Lease> update(String shardId, String update, String condition, Map<String, String> names,
            Map<String, AttributeValue> values) {
        return conditionalUpdate(shardId, update, condition, names, values).map(LeaseTable::toLease);
    }

    /** An update of an existing item under {@code condition}; the item as written. */
    private Mono<Map<String, AttributeValue>> conditionalUpdate(String shardId, String update, String condition,
            Map<String, String> names, Map<String, AttributeValue> values) {
        UpdateItemRequest request = UpdateItemRequest.builder()
                .tableName(tableName)
                .key(key(shardId))
                .updateExpression(update)
                .conditionExpression("attribute_exists(#shardKey) AND " + condition)
                .expressionAttributeNames(with(names, "#shardKey", SHARD_ID))
                .expressionAttributeValues(values)
                .returnValues(ReturnValue.ALL_NEW)
                .build();
        return ready.then(Mono.fromFuture(() -> client.updateItem(request))).map(UpdateItemResponse::attributes);
    }

    /** How far the initial-checkpoints import went (a strongly consistent read of its marker). */
    Mono<ImportProgress> importProgress() {
        return ready.then(Mono.fromFuture(() -> client.getItem(r -> r.tableName(tableName).key(key(IMPORT_MARKER))
                        .consistentRead(true))))
                .map(response -> {
                    AttributeValue progress = response.hasItem() ? response.item().get(IMPORT_PROGRESS) : null;
                    return progress == null ? ImportProgress.NONE : ImportProgress.valueOf(progress.s());
                });
    }

    /**
     * Records the import's progress: {@link ImportProgress#STARTED} only where no marker exists (an import marked
     * complete stays so), {@link ImportProgress#COMPLETE} in any case; emits whether it wrote the marker.
     */
    Mono<Boolean> markImport(ImportProgress progress) {
        Map<String, AttributeValue> item = new HashMap<>(key(IMPORT_MARKER));
        item.put(IMPORT_PROGRESS, AttributeValue.fromS(progress.name()));
        item.put(UPDATED_AT, now());
        PutItemRequest.Builder request = PutItemRequest.builder().tableName(tableName).item(item);
        if (progress == ImportProgress.STARTED) {
            request.conditionExpression("attribute_not_exists(#shard)")
                    .expressionAttributeNames(Map.of("#shard", SHARD_ID));
        }
        return ready.then(Mono.fromFuture(() -> client.putItem(request.build())))
                .thenReturn(true)
                .onErrorResume(ConditionalCheckFailedException.class, exists -> Mono.just(false));
    }

    private static Map<String, String> with(Map<String, String> names, String key, String value) {
        Map<String, String> all = new HashMap<>(names);
        all.put(key, value);
        return all;
    }

    private Map<String, AttributeValue> key(String shardId) {
        return Map.of(STREAM_ARN, AttributeValue.fromS(streamArn), SHARD_ID, AttributeValue.fromS(shardId));
    }

    private static AttributeValue now() {
        return AttributeValue.fromS(Instant.now().toString());
    }

    static Lease toLease(Map<String, AttributeValue> item) {
        AttributeValue parents = item.get(PARENTS);
        List<String> parentIds = new ArrayList<>();
        if (parents != null && parents.hasL()) {
            for (AttributeValue parent : parents.l()) {
                parentIds.add(parent.s());
            }
        }
        return new Lease(
                item.get(SHARD_ID).s(),
                item.containsKey(OWNER) ? item.get(OWNER).s() : null,
                item.containsKey(COUNTER) ? Long.parseLong(item.get(COUNTER).n()) : 0L,
                item.containsKey(CHECKPOINT) ? item.get(CHECKPOINT).s() : null,
                item.containsKey(ENDED) && Boolean.TRUE.equals(item.get(ENDED).bool()),
                Collections.unmodifiableList(parentIds),
                item.containsKey(HANDOFF_TO) ? item.get(HANDOFF_TO).s() : null,
                item.containsKey(OWNER_TOKEN) ? item.get(OWNER_TOKEN).s() : null,
                item.containsKey(ENDED_UNREAD) && Boolean.TRUE.equals(item.get(ENDED_UNREAD).bool()),
                item.containsKey(SHARD_CLOSED) && Boolean.TRUE.equals(item.get(SHARD_CLOSED).bool()));
    }
}
