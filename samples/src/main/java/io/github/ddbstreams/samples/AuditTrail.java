package io.github.ddbstreams.samples;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.batch.Batching;
import io.github.ddbstreams.operators.delta.ChangeDelta;
import io.github.ddbstreams.operators.delta.Delta;
import io.github.ddbstreams.operators.errors.ErrorHandling;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.AttributeValues;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.sink.RecordBatch;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Sample (the seed guide's use case 3, audit trail): every change of an orders table, with its old and new
 * values and the attribute paths it changed, stored in an {@code AuditLog} table whose items expire by TTL.
 *
 * <p>The pipeline:
 * <pre>{@code
 * receiver.receive()                                                    // every change of AuditedOrders
 *     .transform(Batching.batches(BatchOptions.builder()
 *             .maxRecords(25).maxWait(Duration.ofMillis(200)).build())) // 25 = BatchWriteItem's limit
 *     .transform(ErrorHandling.run(options, batch -> writeAuditItems(batch))) // retries, then acknowledges
 * }</pre>
 *
 * <p><b>The audit item.</b> Partition key {@code pk}: the changed item's key as text; sort key {@code sk}: the
 * record's sequence number left-padded with zeros to 40 digits, so that the string order of {@code sk} is the
 * numeric order of the sequence numbers (they are decimal strings of up to about 40 digits, longer than a
 * {@code long}), and a Query on {@code pk} returns an item's history in the order it happened. Attributes:
 * {@code eventName}, {@code eventId}, {@code sequenceNumber}, {@code oldImage} and {@code newImage} (maps, each
 * absent when the record has none), {@code changedPaths} (a list of the paths of {@link Delta#of}, such as
 * {@code status} or {@code shipping.city}), {@code changedAt} and {@code expiresAt}: the change's time plus
 * {@value #RETENTION_DAYS} days in epoch seconds, the table's TTL attribute. Holding a full before/after
 * pair, an audit item is at most about twice the size of the item it audits: keep audited items below
 * 200 KB, or store only {@code changedPaths} and the changed values.
 *
 * <p><b>Idempotent.</b> An audit item depends only on its record ({@code expiresAt} too: it is computed from the
 * record's creation time, not from the clock), and its key is the record's key and sequence number, so
 * writing it twice stores the same item: retries of a batch, and records read again after a restart
 * (at-least-once), are harmless. The sample shows it: after the first pass it reads the whole stream again
 * with a fresh checkpoint store and writes every audit item a second time, and checks again. A batch whose
 * items DynamoDB left unprocessed fails, and {@link ErrorHandling} retries the whole batch with backoff.
 *
 * <p><b>Check.</b> The workload generator remembers every change it made (old item, new item, changed
 * paths); the sample Queries each order's history and checks that it holds exactly those changes, in order
 * (sort keys increasing by {@link SequenceNumbers#compare}), with the right event names, old and new images
 * and changed paths, that no other item is in the log, and that TTL is enabled on {@code expiresAt}.
 *
 * <p>Run it with {@code mvn -q -Pdemo -DskipTests package -Ddemo.mainClass=io.github.ddbstreams.samples.AuditTrail}.
 * Exit code 0 means the check passed.
 */
public final class AuditTrail {

    static final String ORDERS_TABLE = "AuditedOrders";
    static final String AUDIT_TABLE = "AuditLog";
    static final int RETENTION_DAYS = 90;

    private static final int OPERATIONS = 1000;
    private static final int ORDER_IDS = 150;
    private static final int WRITERS = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private AuditTrail() {
    }

    /** Starts DynamoDB Local, runs the sample and exits with 0 when its check passed, 1 otherwise. */
    public static void main(String[] args) {
        boolean passed;
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start()) {
            passed = run(dynamoDb);
        }
        System.exit(passed ? 0 : 1);
    }

    /**
     * Runs the sample against a running DynamoDB Local (creating its tables {@value #ORDERS_TABLE} and
     * {@value #AUDIT_TABLE}) and returns whether its check passed.
     *
     * <pre>{@code
     * try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start()) { boolean ok = AuditTrail.run(dynamoDb); }
     * }</pre>
     */
    public static boolean run(EmbeddedDynamoDb dynamoDb) {
        long started = System.nanoTime();
        DynamoDbAsyncClient client = dynamoDb.dynamoDbAsyncClient();
        dynamoDb.createTableWithStream(ORDERS_TABLE, StreamViewType.NEW_AND_OLD_IMAGES);
        createAuditTable(dynamoDb);

        List<Change> workload = generateWorkload(new Random(23));
        System.out.printf("Writing %d changes to %s while auditing them into %s%n", workload.size(), ORDERS_TABLE,
                AUDIT_TABLE);
        long firstPass = audit(dynamoDb, write(client, workload), workload.size());
        boolean passed = verify(client, workload);

        // at-least-once: read the whole stream again (a fresh checkpoint store) and write every audit item again
        long replayed = audit(dynamoDb, Mono.empty(), workload.size());
        System.out.printf("Replayed the stream: %d audit items written a second time%n", replayed);
        boolean passedAfterReplay = verify(client, workload);

        boolean ttl = client.describeTimeToLive(b -> b.tableName(AUDIT_TABLE)).join()
                .timeToLiveDescription().timeToLiveStatus() == TimeToLiveStatus.ENABLED;
        System.out.printf("  audited %d changes, %.2f s%n", firstPass, (System.nanoTime() - started) / 1e9);
        System.out.println("  TTL enabled on expiresAt: " + (ttl ? "yes" : "NO"));
        System.out.println("  audit log unchanged by the replay: " + (passedAfterReplay ? "yes" : "NO"));
        boolean all = passed && passedAfterReplay && ttl && firstPass == workload.size();
        System.out.println(all ? "PASS" : "FAIL");
        return all;
    }

    /** Reads the stream from its start and audits {@code changes} changes; returns how many were written. */
    private static long audit(EmbeddedDynamoDb dynamoDb, Mono<Void> writer, int changes) {
        DynamoDbAsyncClient client = dynamoDb.dynamoDbAsyncClient();
        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(dynamoDb.streamsAsyncClient())
                .dynamoDbClient(client)
                .tableName(ORDERS_TABLE)
                .pollInterval(Duration.ofMillis(50))
                .build());
        ErrorHandlingOptions errorHandling = ErrorHandlingOptions.builder()
                .name("audit")
                .retryBackoff(Duration.ofMillis(100))
                .maxRetryBackoff(Duration.ofSeconds(2))
                .maxAttempts(8)
                .build();
        AtomicLong written = new AtomicLong();
        receiver.receive()
                .transform(Batching.batches(BatchOptions.builder()
                        .maxRecords(25) // BatchWriteItem takes at most 25 items
                        .maxWait(Duration.ofMillis(200))
                        .build()))
                .transform(ErrorHandling.run(errorHandling, batch -> writeAuditItems(client, batch)))
                .mergeWith(writer.then(Mono.never()))
                .takeUntil(result -> written.addAndGet(result.batch().size()) >= changes)
                .timeout(TIMEOUT, Flux.empty())
                .blockLast();
        return written.get();
    }

    /** One BatchWriteItem of the batch's audit items; unprocessed items fail it, so the batch is retried. */
    private static Mono<Void> writeAuditItems(DynamoDbAsyncClient client, RecordBatch batch) {
        List<WriteRequest> puts = batch.records().stream()
                .map(record -> WriteRequest.builder().putRequest(PutRequest.builder().item(auditItem(record)).build()).build())
                .collect(Collectors.toList());
        return Mono.fromFuture(() -> client.batchWriteItem(b -> b.requestItems(Map.of(AUDIT_TABLE, puts))))
                .flatMap(response -> {
                    int unprocessed = response.unprocessedItems().getOrDefault(AUDIT_TABLE, List.of()).size();
                    return unprocessed == 0 ? Mono.empty()
                            : Mono.error(new IllegalStateException(unprocessed + " audit items were not processed"));
                });
    }

    /** The audit item of one change: a function of the record alone, so writing it again is harmless. */
    static Map<String, AttributeValue> auditItem(ChangeRecord record) {
        ChangeDelta delta = Delta.of(record);
        Instant changedAt = record.approximateCreationTime();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(keyText(record.keys())));
        item.put("sk", AttributeValue.fromS(sortKey(record.sequenceNumber())));
        item.put("eventName", AttributeValue.fromS(record.eventName().name()));
        item.put("eventId", AttributeValue.fromS(record.eventId()));
        item.put("sequenceNumber", AttributeValue.fromS(record.sequenceNumber()));
        if (!record.oldImage().isEmpty()) {
            item.put("oldImage", AttributeValue.fromM(record.oldImage()));
        }
        if (!record.newImage().isEmpty()) {
            item.put("newImage", AttributeValue.fromM(record.newImage()));
        }
        item.put("changedPaths", AttributeValue.fromL(delta.changedPaths().stream()
                .map(AttributeValue::fromS).collect(Collectors.toList())));
        item.put("changedAt", AttributeValue.fromS(changedAt.toString()));
        item.put("expiresAt", AttributeValue.fromN(
                Long.toString(changedAt.plus(Duration.ofDays(RETENTION_DAYS)).getEpochSecond())));
        return item;
    }

    /** A sequence number left-padded with zeros, so that sort keys sort like the numbers. */
    static String sortKey(String sequenceNumber) {
        return SequenceNumbers.padded(sequenceNumber);
    }

    /** The item's key as text: the value of a single key attribute, else {@code name=value} pairs by name. */
    static String keyText(Map<String, AttributeValue> keys) {
        if (keys.size() == 1) {
            return scalarText(keys.values().iterator().next());
        }
        return new TreeMap<>(keys).entrySet().stream()
                .map(e -> e.getKey() + "=" + scalarText(e.getValue()))
                .collect(Collectors.joining(","));
    }

    private static String scalarText(AttributeValue value) {
        if (value.s() != null) {
            return value.s();
        }
        if (value.n() != null) {
            return AttributeValues.canonicalNumber(value.n()); // 1 and 1.0 are one item: one audit partition
        }
        return Base64.getEncoder().encodeToString(value.b().asByteArray());
    }

    private static void createAuditTable(EmbeddedDynamoDb dynamoDb) {
        dynamoDb.createTable(CreateTableRequest.builder()
                .tableName(AUDIT_TABLE)
                .attributeDefinitions(
                        AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build(),
                        AttributeDefinition.builder().attributeName("sk").attributeType(ScalarAttributeType.S).build())
                .keySchema(
                        KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .build());
        dynamoDb.dynamoDbAsyncClient().updateTimeToLive(b -> b.tableName(AUDIT_TABLE)
                .timeToLiveSpecification(ttl -> ttl.enabled(true).attributeName("expiresAt"))).join();
    }

    /**
     * Checks the audit log against the workload: each order's history (one Query, in sort key order) holds
     * exactly its changes, in order, with the right values; and the log holds nothing else.
     */
    private static boolean verify(DynamoDbAsyncClient client, List<Change> workload) {
        Map<String, List<Change>> expected = new TreeMap<>();
        for (Change change : workload) {
            expected.computeIfAbsent(change.orderId, k -> new ArrayList<>()).add(change);
        }
        long auditItems = Flux.from(client.scanPaginator(b -> b.tableName(AUDIT_TABLE).select("COUNT")))
                .map(page -> (long) page.count()).reduce(0L, Long::sum).block(Duration.ofSeconds(30));
        int mismatches = 0;
        for (Map.Entry<String, List<Change>> e : expected.entrySet()) {
            List<Map<String, AttributeValue>> history = Flux.from(client.queryPaginator(b -> b.tableName(AUDIT_TABLE)
                            .keyConditionExpression("pk = :pk")
                            .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(e.getKey())))).items())
                    .collectList().block(Duration.ofSeconds(30));
            String problem = compare(e.getValue(), history);
            if (problem != null) {
                if (mismatches++ < 5) {
                    System.out.println("  " + e.getKey() + ": " + problem);
                }
            }
        }
        boolean exact = auditItems == workload.size();
        System.out.printf("  %d audit items for %d changes of %d orders; orders whose history differs: %d%n",
                auditItems, workload.size(), expected.size(), mismatches);
        return exact && mismatches == 0;
    }

    /** Why an order's history differs from its changes, or {@code null} when it is right. */
    private static String compare(List<Change> changes, List<Map<String, AttributeValue>> history) {
        if (changes.size() != history.size()) {
            return "expected " + changes.size() + " audit items, found " + history.size();
        }
        String previous = null;
        for (int i = 0; i < changes.size(); i++) {
            Change want = changes.get(i);
            Map<String, AttributeValue> got = history.get(i);
            String sequenceNumber = got.get("sequenceNumber").s();
            if (previous != null && SequenceNumbers.compare(previous, sequenceNumber) >= 0) {
                return "sequence numbers out of order at #" + i;
            }
            previous = sequenceNumber;
            if (!want.type.name().equals(got.get("eventName").s())) {
                return "#" + i + " is " + got.get("eventName").s() + ", expected " + want.type;
            }
            if (!want.oldItem.equals(image(got, "oldImage")) || !want.newItem.equals(image(got, "newImage"))) {
                return "#" + i + " (" + want.type + ") has other old or new values";
            }
            Set<String> paths = got.get("changedPaths").l().stream().map(AttributeValue::s)
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            if (!want.changedPaths.equals(paths)) {
                return "#" + i + " changed " + paths + ", expected " + want.changedPaths;
            }
            if (got.get("expiresAt") == null || got.get("expiresAt").n() == null) {
                return "#" + i + " has no expiresAt";
            }
        }
        return null;
    }

    private static Map<String, AttributeValue> image(Map<String, AttributeValue> auditItem, String name) {
        AttributeValue image = auditItem.get(name);
        return image == null ? Map.of() : image.m();
    }

    /**
     * Orders are placed, change status, amount or shipping city, get and lose a note, and are deleted; each
     * change remembers its old and new item and the paths it changed.
     */
    private static List<Change> generateWorkload(Random random) {
        String[] statuses = {"NEW", "PAID", "PACKED", "SHIPPED", "DELIVERED"};
        String[] cities = {"Lisbon", "Oslo", "Lyon", "Graz", "Turin", "Ghent"};
        Map<String, Map<String, AttributeValue>> live = new LinkedHashMap<>();
        List<Change> changes = new ArrayList<>();
        while (changes.size() < OPERATIONS) {
            String orderId = String.format("order-%03d", random.nextInt(ORDER_IDS));
            Map<String, AttributeValue> current = live.get(orderId);
            if (current == null) {
                Map<String, AttributeValue> order = new HashMap<>();
                order.put("pk", AttributeValue.fromS(orderId));
                order.put("customer", AttributeValue.fromS("customer-" + random.nextInt(40)));
                order.put("status", AttributeValue.fromS(statuses[0]));
                order.put("amount", AttributeValue.fromN(Integer.toString(5 + random.nextInt(500))));
                order.put("shipping", AttributeValue.fromM(Map.of(
                        "city", AttributeValue.fromS(cities[random.nextInt(cities.length)]),
                        "zip", AttributeValue.fromS(String.format("%05d", random.nextInt(100_000))))));
                live.put(orderId, order);
                changes.add(new Change(EventName.INSERT, orderId, Map.of(), order, order.keySet()));
                continue;
            }
            Map<String, AttributeValue> order = new HashMap<>(current);
            String changed;
            switch (random.nextInt(6)) {
                case 0:
                    live.remove(orderId);
                    changes.add(new Change(EventName.REMOVE, orderId, current, Map.of(), current.keySet()));
                    continue;
                case 1:
                    order.put("amount", AttributeValue.fromN(Integer.toString(
                            Integer.parseInt(current.get("amount").n()) + 1 + random.nextInt(50))));
                    changed = "amount";
                    break;
                case 2:
                    Map<String, AttributeValue> shipping = new HashMap<>(current.get("shipping").m());
                    String city = shipping.get("city").s();
                    shipping.put("city", AttributeValue.fromS(cities[(List.of(cities).indexOf(city) + 1) % cities.length]));
                    order.put("shipping", AttributeValue.fromM(shipping));
                    changed = "shipping.city";
                    break;
                case 3:
                    if (current.containsKey("note")) {
                        order.remove("note");
                    } else {
                        order.put("note", AttributeValue.fromS("call before delivery"));
                    }
                    changed = "note";
                    break;
                default:
                    int stage = List.of(statuses).indexOf(current.get("status").s());
                    order.put("status", AttributeValue.fromS(statuses[(stage + 1) % statuses.length]));
                    changed = "status";
            }
            live.put(orderId, order);
            changes.add(new Change(EventName.MODIFY, orderId, current, order, Set.of(changed)));
        }
        return changes;
    }

    /** Writes the changes as puts and deletes; each order's changes in order (one writer per order id). */
    private static Mono<Void> write(DynamoDbAsyncClient client, List<Change> changes) {
        return Flux.fromIterable(changes)
                .groupBy(change -> Math.floorMod(change.orderId.hashCode(), WRITERS))
                .flatMap(lane -> lane.concatMap(change -> Mono.fromFuture(() -> change.type == EventName.REMOVE
                        ? client.deleteItem(b -> b.tableName(ORDERS_TABLE).key(Map.of("pk", AttributeValue.fromS(change.orderId))))
                        : client.putItem(b -> b.tableName(ORDERS_TABLE).item(change.newItem)))), WRITERS)
                .then();
    }

    /** One change of the workload: what the audit log must hold for it. */
    private static final class Change {
        final EventName type;
        final String orderId;
        final Map<String, AttributeValue> oldItem;
        final Map<String, AttributeValue> newItem;
        final Set<String> changedPaths;

        Change(EventName type, String orderId, Map<String, AttributeValue> oldItem, Map<String, AttributeValue> newItem,
                Set<String> changedPaths) {
            this.type = type;
            this.orderId = orderId;
            this.oldItem = Map.copyOf(oldItem);
            this.newItem = Map.copyOf(newItem);
            this.changedPaths = Set.copyOf(Objects.requireNonNull(changedPaths));
        }
    }
}
