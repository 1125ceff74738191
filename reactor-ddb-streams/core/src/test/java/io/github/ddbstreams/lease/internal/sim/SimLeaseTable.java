package io.github.ddbstreams.lease.internal.sim;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import reactor.test.scheduler.VirtualTimeScheduler;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * A lease table with DynamoDB's conditional-write semantics, served on one virtual clock. It understands exactly
 * the expressions {@code LeaseTable} writes (conjunctions of {@code attribute_exists}, {@code attribute_not_exists}
 * and {@code #a = :v}; {@code SET #a = :v | #a = #a + :v} and {@code REMOVE #a, #b}) and fails loudly on anything
 * else. Each call draws its latency and fault from the simulation's one {@link Random}: a request reaches the
 * table after a latency (applied there, on the shared clock, even if its worker is paused) and its reply travels
 * back through the calling worker's {@link WorkerClock} (held while paused, dropped when dead).
 */
public final class SimLeaseTable {

    /** Fault kinds drawn per call. */
    public enum Fault { THROTTLE, SERVER_ERROR, TIMEOUT, LOST_RESPONSE }

    /** How long a call that got no answer takes to fail: the Netty client's default read timeout. */
    static final long READ_TIMEOUT_MS = 30_000;

    private static final String PK = "streamArn";
    private static final String SK = "shardId";
    private static final String COUNTER = "leaseCounter";

    private final VirtualTimeScheduler clock;
    private final Random random;
    private final Map<String, Map<String, AttributeValue>> items = new TreeMap<>();
    private final Map<String, Long> highestCounter = new HashMap<>();
    private final Set<String> deleted = new HashSet<>();
    private final Set<String> everEnded = new HashSet<>();
    private final List<String> violations = new ArrayList<>();
    private final Map<Fault, Long> faults = new EnumMap<>(Fault.class);
    private double faultRate;
    private long calls;
    /** Per shard, the PutItem calls that would create its lease (a lease item: it has a counter). */
    private final Map<String, Long> leasePuts = new TreeMap<>();
    /** Per shard, when (virtual ms) a PutItem first created its lease item at the table. */
    private final Map<String, Long> leaseCreatedAt = new HashMap<>();
    /** The write calls by kind (see {@link #writes()}). */
    private final Map<String, Long> writes = new TreeMap<>();
    /** What the callers cancelled while the call was in flight (see {@link #cancelled()}). */
    private final List<String> cancelled = new ArrayList<>();

    public SimLeaseTable(VirtualTimeScheduler clock, Random random) {
        this.clock = clock;
        this.random = random;
        for (Fault fault : Fault.values()) {
            faults.put(fault, 0L);
        }
    }

    private final List<Map.Entry<String, Fault>> scripted = new ArrayList<>();

    /**
     * For unit tests: the next {@code times} calls whose description contains {@code what} (e.g. the update
     * expression's {@code "SET #owner = :to"}) meet {@code fault}; a scripted timeout never applies the write.
     */
    public void failNext(String what, Fault fault, int times) {
        for (int i = 0; i < times; i++) {
            scripted.add(Map.entry(what, fault));
        }
    }

    /** For unit tests: another party changes a lease's owner (and counter), as a take would. */
    public void overwriteOwner(String shardId, String owner) {
        Map<String, AttributeValue> item = new HashMap<>(items.get(shardId));
        item.put("leaseOwner", AttributeValue.fromS(owner));
        item.put(COUNTER, AttributeValue.fromN(Long.toString(Long.parseLong(item.get(COUNTER).n()) + 1)));
        store(shardId, item);
    }

    /** Probability that a call meets a fault (split evenly among the kinds); 0 stops faults. */
    public void faultRate(double rate) {
        this.faultRate = rate;
    }

    public Map<Fault, Long> faults() {
        return faults;
    }

    public long calls() {
        return calls;
    }

    /**
     * Per shard, how many PutItem calls tried to create its lease (conditional on its absence, whatever they met):
     * lease creation by every worker shows as counts above one.
     */
    public Map<String, Long> leasePuts() {
        return leasePuts;
    }

    /**
     * Per shard, the virtual time (ms) at which a PutItem first created its lease item at the table: the order in
     * which the leases came to exist, whatever the callers learned.
     */
    public Map<String, Long> leaseCreatedAt() {
        return leaseCreatedAt;
    }

    /**
     * The write calls made (whatever they met) by kind: {@code put lease}, {@code put ~worker#}, {@code put
     * ~discovery}, {@code put ~initialCheckpointsImport}, {@code delete}, and {@code update <expression>} per update
     * expression (placeholders only: a bounded set).
     */
    public Map<String, Long> writes() {
        return writes;
    }

    /**
     * The calls a caller cancelled while they were in flight (their descriptions). Over HTTP, cancelling an SDK call
     * aborts its request: the netty client closes the connection and logs a WARN with a stack trace, and a write may
     * be applied all the same.
     */
    public List<String> cancelled() {
        return cancelled;
    }

    private void countWrite(String kind) {
        writes.merge(kind, 1L, Long::sum);
    }

    private static String itemKind(String sortKey) {
        return sortKey.startsWith("~worker#") ? "~worker#" : sortKey.startsWith("~") ? sortKey : "lease";
    }

    /** Violations the table saw itself (a counter going back, a deleted lease created again). */
    public List<String> violations() {
        return violations;
    }

    public Map<String, AttributeValue> item(String shardId) {
        return items.get(shardId);
    }

    public String owner(String shardId) {
        Map<String, AttributeValue> item = items.get(shardId);
        return item == null || !item.containsKey("leaseOwner") ? null : item.get("leaseOwner").s();
    }

    /** Whether the shard's lease ended (or ended and was deleted). */
    public boolean ended(String shardId) {
        return everEnded.contains(shardId);
    }

    public Set<String> shardIds() {
        return items.keySet();
    }

    /** A client for one worker: replies reach it through its clock. */
    public DynamoDbAsyncClient clientFor(WorkerClock worker) {
        return new Client(worker);
    }

    // ------------------------------------------------------------------ one call

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SimLeaseTable.class);

    private <T> CompletableFuture<T> call(WorkerClock worker, boolean write, String what, Supplier<T> apply) {
        calls++;
        CompletableFuture<T> reply = new CompletableFuture<>();
        reply.whenComplete((result, error) -> {
            if (reply.isCancelled()) {
                cancelled.add(worker + " " + what);
            }
        });
        long there = 1 + random.nextInt(20);
        long back = 1 + random.nextInt(20);
        Fault fault = null;
        if (faultRate > 0 && random.nextDouble() < faultRate) {
            Fault[] kinds = Fault.values();
            fault = kinds[random.nextInt(write ? kinds.length : kinds.length - 1)];
            faults.merge(fault, 1L, Long::sum);
        }
        boolean appliedOnTimeout = random.nextBoolean();
        for (Map.Entry<String, Fault> script : scripted) {
            if (what.contains(script.getKey())) {
                scripted.remove(script);
                fault = script.getValue();
                appliedOnTimeout = false;
                faults.merge(fault, 1L, Long::sum);
                break;
            }
        }
        if (log.isDebugEnabled()) {
            log.debug("t={} {} {} {}", clock.now(TimeUnit.MILLISECONDS), worker, what,
                    fault == null ? "" : "FAULT " + fault + (fault == Fault.TIMEOUT ? " applied=" + appliedOnTimeout : ""));
        }
        boolean timeoutApplies = appliedOnTimeout;
        Fault drawn = fault;
        clock.schedule(() -> {
            if (drawn == Fault.THROTTLE) {
                worker.deliver(() -> reply.completeExceptionally(ProvisionedThroughputExceededException.builder()
                        .statusCode(400).message("simulated throttle").build()), back);
                return;
            }
            if (drawn == Fault.SERVER_ERROR) {
                worker.deliver(() -> reply.completeExceptionally(InternalServerErrorException.builder()
                        .statusCode(500).message("simulated 5xx").build()), back);
                return;
            }
            if (drawn == Fault.TIMEOUT) {
                if (timeoutApplies) {
                    safely(apply);
                }
                worker.deliver(() -> reply.completeExceptionally(SdkClientException.create("simulated read timeout")),
                        READ_TIMEOUT_MS);
                return;
            }
            Object result;
            try {
                result = apply.get();
            } catch (RuntimeException e) {
                worker.deliver(() -> reply.completeExceptionally(e), back);
                return;
            }
            if (drawn == Fault.LOST_RESPONSE) {
                worker.deliver(() -> reply.completeExceptionally(SdkClientException.create("simulated lost response")),
                        back);
                return;
            }
            @SuppressWarnings("unchecked")
            T value = (T) result;
            worker.deliver(() -> reply.complete(value), back);
        }, there, TimeUnit.MILLISECONDS);
        return reply;
    }

    private static void safely(Supplier<?> apply) {
        try {
            apply.get();
        } catch (RuntimeException ignored) {
            // the condition failed: nothing was written, and nobody hears of it
        }
    }

    // ------------------------------------------------------------------ the table's semantics

    private QueryResponse query(QueryRequest request) {
        List<Map<String, AttributeValue>> all = new ArrayList<>();
        for (Map<String, AttributeValue> item : items.values()) {
            all.add(Map.copyOf(item));
        }
        return QueryResponse.builder().items(all).count(all.size()).build();
    }

    private PutItemResponse put(PutItemRequest request) {
        String shardId = request.item().get(SK).s();
        Map<String, AttributeValue> current = items.get(shardId);
        if (!condition(request.conditionExpression(), current, request.expressionAttributeNames(),
                request.expressionAttributeValues())) {
            throw ConditionalCheckFailedException.builder().message("put " + shardId).build();
        }
        if (deleted.contains(shardId) && request.item().containsKey(COUNTER)) { // a lease, not a presence item
            violations.add("the deleted (ended) lease of " + shardId + " was created again: its records would be read again");
        }
        if (request.item().containsKey(COUNTER)) {
            leaseCreatedAt.putIfAbsent(shardId, clock.now(TimeUnit.MILLISECONDS));
        }
        store(shardId, new HashMap<>(request.item()));
        return PutItemResponse.builder().build();
    }

    private UpdateItemResponse update(UpdateItemRequest request) {
        String shardId = request.key().get(SK).s();
        Map<String, AttributeValue> current = items.get(shardId);
        Map<String, String> names = request.expressionAttributeNames();
        Map<String, AttributeValue> values = request.expressionAttributeValues();
        if (!condition(request.conditionExpression(), current, names, values)) {
            throw ConditionalCheckFailedException.builder().message("update " + shardId).build();
        }
        Map<String, AttributeValue> old = current == null ? new HashMap<>(request.key()) : current;
        Map<String, AttributeValue> updated = new HashMap<>(old);
        String expression = request.updateExpression();
        int remove = expression.indexOf("REMOVE ");
        String set = remove < 0 ? expression : expression.substring(0, remove);
        if (!set.isBlank()) {
            if (!set.startsWith("SET ")) {
                throw new IllegalStateException("unsupported update expression: " + expression);
            }
            for (String clause : set.substring(4).split(",")) {
                String[] sides = clause.split("=");
                String target = name(names, sides[0].trim());
                String right = sides[1].trim();
                if (right.contains("+")) {
                    String[] terms = right.split("\\+");
                    AttributeValue base = old.get(name(names, terms[0].trim()));
                    if (base == null) {
                        throw new IllegalStateException("the update expression reads a missing attribute: " + expression);
                    }
                    BigDecimal sum = new BigDecimal(base.n()).add(new BigDecimal(value(values, terms[1].trim()).n()));
                    updated.put(target, AttributeValue.fromN(sum.toPlainString()));
                } else {
                    updated.put(target, value(values, right));
                }
            }
        }
        if (remove >= 0) {
            for (String removed : expression.substring(remove + 7).split(",")) {
                updated.remove(name(names, removed.trim()));
            }
        }
        store(shardId, updated);
        UpdateItemResponse.Builder response = UpdateItemResponse.builder();
        if (request.returnValues() == ReturnValue.ALL_NEW) {
            response.attributes(Map.copyOf(updated));
        }
        return response.build();
    }

    private DeleteItemResponse delete(DeleteItemRequest request) {
        String shardId = request.key().get(SK).s();
        Map<String, AttributeValue> current = items.get(shardId);
        if (!condition(request.conditionExpression(), current, request.expressionAttributeNames(),
                request.expressionAttributeValues())) {
            throw ConditionalCheckFailedException.builder().message("delete " + shardId).build();
        }
        if (current != null) {
            items.remove(shardId);
            deleted.add(shardId);
        }
        return DeleteItemResponse.builder().build();
    }

    private GetItemResponse get(GetItemRequest request) {
        Map<String, AttributeValue> item = items.get(request.key().get(SK).s());
        return item == null ? GetItemResponse.builder().build()
                : GetItemResponse.builder().item(Map.copyOf(item)).build();
    }

    private void store(String shardId, Map<String, AttributeValue> item) {
        if (!item.containsKey(COUNTER)) {
            // not a lease (the import's progress marker): no counter or end to watch
            items.put(shardId, item);
            return;
        }
        long counter = Long.parseLong(item.get(COUNTER).n());
        Long highest = highestCounter.get(shardId);
        if (highest != null && counter < highest) {
            violations.add("the lease counter of " + shardId + " went back from " + highest + " to " + counter);
        }
        highestCounter.merge(shardId, counter, Math::max);
        if (Boolean.TRUE.equals(item.get("ended").bool())) {
            everEnded.add(shardId);
        }
        items.put(shardId, item);
    }

    static boolean condition(String expression, Map<String, AttributeValue> item, Map<String, String> names,
            Map<String, AttributeValue> values) {
        if (expression == null) {
            return true;
        }
        for (String term : expression.split(" AND ")) {
            term = term.trim();
            if (term.startsWith("attribute_exists(")) {
                String attribute = name(names, term.substring("attribute_exists(".length(), term.length() - 1));
                if (item == null || !item.containsKey(attribute)) {
                    return false;
                }
            } else if (term.startsWith("attribute_not_exists(")) {
                String attribute = name(names, term.substring("attribute_not_exists(".length(), term.length() - 1));
                if (item != null && item.containsKey(attribute)) {
                    return false;
                }
            } else {
                String[] sides = term.split(" = ");
                if (sides.length != 2) {
                    throw new IllegalStateException("unsupported condition: " + expression);
                }
                AttributeValue actual = item == null ? null : item.get(name(names, sides[0].trim()));
                if (actual == null || !same(actual, value(values, sides[1].trim()))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean same(AttributeValue a, AttributeValue b) {
        if (a.n() != null && b.n() != null) {
            return new BigDecimal(a.n()).compareTo(new BigDecimal(b.n())) == 0;
        }
        return a.equals(b);
    }

    private static String name(Map<String, String> names, String token) {
        String name = names.get(token);
        if (name == null) {
            throw new IllegalStateException("unknown attribute name " + token);
        }
        return name;
    }

    private static AttributeValue value(Map<String, AttributeValue> values, String token) {
        AttributeValue value = values.get(token);
        if (value == null) {
            throw new IllegalStateException("unknown attribute value " + token);
        }
        return value;
    }

    // ------------------------------------------------------------------ the client

    private final class Client implements DynamoDbAsyncClient {
        private final WorkerClock worker;

        Client(WorkerClock worker) {
            this.worker = worker;
        }

        @Override
        public CompletableFuture<DescribeTableResponse> describeTable(DescribeTableRequest request) {
            return call(worker, false, "describe", () -> DescribeTableResponse.builder().table(TableDescription.builder()
                    .tableName(request.tableName())
                    .tableStatus(TableStatus.ACTIVE)
                    .keySchema(KeySchemaElement.builder().attributeName(PK).keyType(KeyType.HASH).build(),
                            KeySchemaElement.builder().attributeName(SK).keyType(KeyType.RANGE).build())
                    .attributeDefinitions(
                            AttributeDefinition.builder().attributeName(PK).attributeType(ScalarAttributeType.S).build(),
                            AttributeDefinition.builder().attributeName(SK).attributeType(ScalarAttributeType.S).build())
                    .build()).build());
        }

        @Override
        public CompletableFuture<QueryResponse> query(QueryRequest request) {
            return call(worker, false, "query", () -> SimLeaseTable.this.query(request));
        }

        @Override
        public CompletableFuture<GetItemResponse> getItem(GetItemRequest request) {
            return call(worker, false, "get " + request.key().get(SK).s(), () -> get(request));
        }

        @Override
        public CompletableFuture<PutItemResponse> putItem(PutItemRequest request) {
            if (request.item().containsKey(COUNTER)) {
                leasePuts.merge(request.item().get(SK).s(), 1L, Long::sum);
            }
            countWrite("put " + itemKind(request.item().get(SK).s()));
            return call(worker, true, "put " + request.item().get(SK).s(), () -> put(request));
        }

        @Override
        public CompletableFuture<UpdateItemResponse> updateItem(UpdateItemRequest request) {
            countWrite("update " + request.updateExpression());
            return call(worker, true, "update " + request.key().get(SK).s() + " " + request.updateExpression() + " IF " + request.conditionExpression() + " " + request.expressionAttributeValues().values(), () -> update(request));
        }

        @Override
        public CompletableFuture<DeleteItemResponse> deleteItem(DeleteItemRequest request) {
            countWrite("delete");
            return call(worker, true, "delete " + request.key().get(SK).s(), () -> delete(request));
        }

        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {
        }
    }
}
