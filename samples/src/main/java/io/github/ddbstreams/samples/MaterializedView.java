package io.github.ddbstreams.samples;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import io.github.ddbstreams.operators.parallel.KeyedParallelism;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Sample (the seed guide's use case 4, materialized view): each customer's order count and total spent,
 * kept in a {@code CustomerStats} table by update expressions from an orders table's stream, correct under
 * INSERT, MODIFY and REMOVE, and under replays.
 *
 * <p>The pipeline:
 * <pre>{@code
 * receiver.receive()                                             // every change of CustomerOrders
 *     .transform(KeyedParallelism.process(16, record -> apply(record))) // 16 at once, in order per order id;
 *                                                                // acknowledged once applied
 * }</pre>
 *
 * <p><b>Why not just {@code ADD orderCount :one, totalSpent :amount}.</b> The seed guide's Lambda adds on INSERT
 * and subtracts on REMOVE. A stream is delivered at least once: after a crash, or when a batch is retried,
 * records are applied again, and a blind {@code ADD} counts them twice. The view must also follow an amount
 * that changes (MODIFY) and an order that moves to another customer.
 *
 * <p><b>The design: the stats item remembers what it counted.</b> A customer's item holds, besides
 * {@code orderCount} and {@code totalSpent}, one attribute per order it counts, {@code order:<orderId>} = the
 * amount it counted for that order. Each change is one conditional UpdateItem that moves that entry from the
 * state the change starts from to the state it ends in, and adjusts the sums in the same atomic write:
 * <ul>
 *   <li>INSERT: {@code SET #order = :amount ADD orderCount :one, totalSpent :amount}, if
 *       {@code attribute_not_exists(#order)};</li>
 *   <li>REMOVE: {@code REMOVE #order ADD orderCount :minusOne, totalSpent :minusAmount}, if
 *       {@code #order = :amount} (the old image's amount);</li>
 *   <li>MODIFY of the amount: {@code SET #order = :new ADD totalSpent :difference}, if {@code #order = :old};
 *       a MODIFY that keeps the amount writes nothing; one that changes the customer is a REMOVE from the old
 *       customer and an INSERT into the new one.</li>
 * </ul>
 * A failed condition ({@code ConditionalCheckFailedException}) means "not from this state": the change was
 * already applied, and is skipped.
 *
 * <p><b>Why it is correct.</b> (1) Each write changes an entry and the sums together, atomically, so a
 * customer's {@code orderCount} and {@code totalSpent} always equal the number and the sum of its
 * {@code order:*} entries. (2) The changes of one order form a chain (each starts from the state the previous
 * one ended in) and are applied in stream order ({@link KeyedParallelism} runs one order's changes one at a
 * time, in order); a replay re-applies a suffix of that chain in order. A replayed change applies only if the
 * entry is in its start state, and then every later change of the chain applies too; so whichever changes
 * are replayed, the entry ends in the state of the order's latest change: the order's current amount, or
 * absent once deleted. Different orders touch different entries, so their changes may run concurrently. Hence
 * the view equals a recomputation from the orders table once the stream is consumed, however often records
 * were delivered. While a replay is under way the view may show an older state of a replayed order (a
 * deleted order's replayed INSERT counts it again until its REMOVE is replayed too); it is right again once
 * the replay has caught up. To rule that out too, keep in each entry the sequence number of the change that
 * wrote it, keep a tombstone for deleted orders, and apply a change only if its sequence number is higher.
 *
 * <p><b>Bounds.</b> A stats item grows by about 20 bytes per order the customer has: DynamoDB's 400 KB item
 * limit allows about 15,000 live orders per customer. For more, keep one marker item per order
 * ({@code pk = customer, sk = order id}) and update the marker and the sums in one {@code TransactWriteItems},
 * with the same conditions on the marker.
 *
 * <p><b>Check.</b> At the end the sample Scans {@code CustomerOrders}, recomputes each customer's count and
 * total, and compares with {@code CustomerStats} (exact decimals, and each counted order's amount). Then it
 * reads the whole stream a second time from a fresh checkpoint store, applies every change again, and checks
 * that the view did not move.
 *
 * <p>Run it with {@code mvn -q -Pdemo -DskipTests package -Ddemo.mainClass=io.github.ddbstreams.samples.MaterializedView}.
 * Exit code 0 means the check passed.
 */
public final class MaterializedView {

    static final String ORDERS_TABLE = "CustomerOrders";
    static final String STATS_TABLE = "CustomerStats";

    private static final String ORDER_PREFIX = "order:";
    private static final int OPERATIONS = 1000;
    private static final int ORDER_IDS = 250;
    private static final int CUSTOMERS = 40;
    private static final int CONCURRENCY = 16;
    private static final int WRITERS = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private MaterializedView() {
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
     * {@value #STATS_TABLE}) and returns whether its check passed.
     *
     * <pre>{@code
     * try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start()) { boolean ok = MaterializedView.run(dynamoDb); }
     * }</pre>
     */
    public static boolean run(EmbeddedDynamoDb dynamoDb) {
        long started = System.nanoTime();
        DynamoDbAsyncClient client = dynamoDb.dynamoDbAsyncClient();
        dynamoDb.createTableWithStream(ORDERS_TABLE, StreamViewType.NEW_AND_OLD_IMAGES);
        dynamoDb.createTable(CreateTableRequest.builder()
                .tableName(STATS_TABLE)
                .attributeDefinitions(AttributeDefinition.builder()
                        .attributeName("customerId").attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("customerId").keyType(KeyType.HASH).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .build());

        List<Map<String, AttributeValue>> workload = generateWorkload(new Random(31));
        System.out.printf("Writing %d changes to %s while maintaining %s%n", workload.size(), ORDERS_TABLE, STATS_TABLE);
        Counts first = maintain(dynamoDb, write(client, workload), workload.size());
        System.out.printf("  first pass: %d changes, %d updates applied, %d skipped as already applied%n",
                first.records.get(), first.applied.get(), first.skipped.get());
        boolean passed = verify(client);

        Counts replay = maintain(dynamoDb, Mono.empty(), workload.size());
        System.out.printf("  replay of the whole stream: %d changes, %d updates applied, %d skipped as already applied%n",
                replay.records.get(), replay.applied.get(), replay.skipped.get());
        boolean passedAfterReplay = verify(client);

        System.out.printf("  %.2f s%n", (System.nanoTime() - started) / 1e9);
        System.out.println("  view unchanged by the replay: " + (passedAfterReplay ? "yes" : "NO"));
        boolean all = passed && passedAfterReplay && first.records.get() == workload.size();
        System.out.println(all ? "PASS" : "FAIL");
        return all;
    }

    /** Reads the stream from its start and applies {@code changes} changes to the view. */
    private static Counts maintain(EmbeddedDynamoDb dynamoDb, Mono<Void> writer, int changes) {
        DynamoDbAsyncClient client = dynamoDb.dynamoDbAsyncClient();
        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(dynamoDb.streamsAsyncClient())
                .dynamoDbClient(client)
                .tableName(ORDERS_TABLE)
                .pollInterval(Duration.ofMillis(50))
                .build());
        Counts counts = new Counts();
        receiver.receive()
                .transform(KeyedParallelism.process(CONCURRENCY, record -> apply(client, record, counts)))
                .mergeWith(writer.then(Mono.<ChangeRecord>never()))
                .takeUntil(record -> counts.records.incrementAndGet() >= changes)
                .timeout(TIMEOUT, Flux.empty())
                .blockLast();
        return counts;
    }

    /** Applies one change of an order to the view: at most two conditional updates (see the class javadoc). */
    private static Mono<Void> apply(DynamoDbAsyncClient client, ChangeRecord record, Counts counts) {
        String orderId = record.keys().get("pk").s();
        Map<String, AttributeValue> before = record.oldImage();
        Map<String, AttributeValue> after = record.newImage();
        String oldCustomer = before.isEmpty() ? null : before.get("customerId").s();
        String newCustomer = after.isEmpty() ? null : after.get("customerId").s();
        BigDecimal oldAmount = oldCustomer == null ? null : new BigDecimal(before.get("amount").n());
        BigDecimal newAmount = newCustomer == null ? null : new BigDecimal(after.get("amount").n());

        if (oldCustomer != null && oldCustomer.equals(newCustomer)) {
            if (oldAmount.compareTo(newAmount) == 0) {
                return Mono.empty(); // status changed, amount did not: nothing to count
            }
            return update(client, counts, newCustomer, orderId,
                    "SET #order = :new ADD totalSpent :difference", "#order = :old",
                    Map.of(":new", number(newAmount), ":old", number(oldAmount),
                            ":difference", number(newAmount.subtract(oldAmount))));
        }
        Mono<Void> removal = oldCustomer == null ? Mono.empty() : update(client, counts, oldCustomer, orderId,
                "REMOVE #order ADD orderCount :minusOne, totalSpent :minusAmount", "#order = :amount",
                Map.of(":amount", number(oldAmount), ":minusOne", AttributeValue.fromN("-1"),
                        ":minusAmount", number(oldAmount.negate())));
        Mono<Void> insertion = newCustomer == null ? Mono.empty() : update(client, counts, newCustomer, orderId,
                "SET #order = :amount ADD orderCount :one, totalSpent :amount", "attribute_not_exists(#order)",
                Map.of(":amount", number(newAmount), ":one", AttributeValue.fromN("1")));
        return removal.then(insertion);
    }

    /** One conditional UpdateItem of a customer's stats; a failed condition means "already applied". */
    private static Mono<Void> update(DynamoDbAsyncClient client, Counts counts, String customerId, String orderId,
            String updateExpression, String condition, Map<String, AttributeValue> values) {
        return Mono.fromFuture(() -> client.updateItem(b -> b
                        .tableName(STATS_TABLE)
                        .key(Map.of("customerId", AttributeValue.fromS(customerId)))
                        .updateExpression(updateExpression)
                        .conditionExpression(condition)
                        .expressionAttributeNames(Map.of("#order", ORDER_PREFIX + orderId))
                        .expressionAttributeValues(values)))
                .doOnNext(response -> counts.applied.incrementAndGet())
                .onErrorResume(ConditionalCheckFailedException.class, e -> {
                    counts.skipped.incrementAndGet();
                    return Mono.empty();
                })
                .then();
    }

    /** Compares CustomerStats with a recomputation from a full Scan of CustomerOrders. */
    private static boolean verify(DynamoDbAsyncClient client) {
        Map<String, Stats> expected = new TreeMap<>();
        Flux.from(client.scanPaginator(b -> b.tableName(ORDERS_TABLE).consistentRead(true)).items())
                .doOnNext(order -> expected.computeIfAbsent(order.get("customerId").s(), c -> new Stats())
                        .add(order.get("pk").s(), new BigDecimal(order.get("amount").n())))
                .blockLast(Duration.ofSeconds(30));
        Map<String, Stats> view = new TreeMap<>();
        Map<String, Stats> viewEntries = new TreeMap<>();
        Flux.from(client.scanPaginator(b -> b.tableName(STATS_TABLE).consistentRead(true)).items())
                .doOnNext(item -> {
                    String customer = item.get("customerId").s();
                    Stats sums = new Stats();
                    sums.count = Long.parseLong(item.get("orderCount").n());
                    sums.total = new BigDecimal(item.get("totalSpent").n());
                    Stats entries = new Stats();
                    item.forEach((name, value) -> {
                        if (name.startsWith(ORDER_PREFIX)) {
                            entries.add(name.substring(ORDER_PREFIX.length()), new BigDecimal(value.n()));
                        }
                    });
                    if (sums.count != 0 || entries.count != 0 || sums.total.signum() != 0) {
                        view.put(customer, sums);
                        viewEntries.put(customer, entries);
                    }
                })
                .blockLast(Duration.ofSeconds(30));

        int wrong = 0;
        for (String customer : union(expected, view)) {
            Stats want = expected.getOrDefault(customer, new Stats());
            Stats got = view.getOrDefault(customer, new Stats());
            Stats entries = viewEntries.getOrDefault(customer, new Stats());
            if (!want.sameSums(got) || !want.orders.equals(entries.orders)) {
                if (wrong++ < 5) {
                    System.out.printf("    %s: view %d orders / %s, recomputed %d orders / %s%n", customer,
                            got.count, got.total.toPlainString(), want.count, want.total.toPlainString());
                }
            }
        }
        long orders = expected.values().stream().mapToLong(s -> s.count).sum();
        BigDecimal total = expected.values().stream().map(s -> s.total).reduce(BigDecimal.ZERO, BigDecimal::add);
        System.out.printf("  CustomerStats vs recomputation from %d orders (total %s) of %d customers: %s%n",
                orders, total.toPlainString(), expected.size(), wrong == 0 ? "equal" : wrong + " customers differ");
        return wrong == 0;
    }

    private static Set<String> union(Map<String, Stats> a, Map<String, Stats> b) {
        Set<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }

    /**
     * Orders are placed, change amount, change status only, now and then move to another customer, and are
     * deleted; order ids are reused after a delete. Each entry is the item to put, or only its key for a delete.
     */
    private static List<Map<String, AttributeValue>> generateWorkload(Random random) {
        String[] statuses = {"NEW", "PAID", "SHIPPED", "DELIVERED"};
        Map<String, Map<String, AttributeValue>> live = new LinkedHashMap<>();
        List<Map<String, AttributeValue>> ops = new ArrayList<>();
        while (ops.size() < OPERATIONS) {
            String orderId = String.format("order-%04d", random.nextInt(ORDER_IDS));
            Map<String, AttributeValue> current = live.get(orderId);
            if (current == null) {
                Map<String, AttributeValue> order = new HashMap<>();
                order.put("pk", AttributeValue.fromS(orderId));
                order.put("customerId", AttributeValue.fromS(String.format("customer-%02d", random.nextInt(CUSTOMERS))));
                order.put("amount", number(amount(random)));
                order.put("status", AttributeValue.fromS(statuses[0]));
                live.put(orderId, order);
                ops.add(order);
                continue;
            }
            int dice = random.nextInt(20);
            if (dice < 5) {
                live.remove(orderId);
                ops.add(Map.of("pk", AttributeValue.fromS(orderId)));
                continue;
            }
            Map<String, AttributeValue> order = new HashMap<>(current);
            if (dice < 11) {
                BigDecimal amount;
                do {
                    amount = amount(random);
                } while (amount.compareTo(new BigDecimal(current.get("amount").n())) == 0);
                order.put("amount", number(amount));
            } else if (dice < 12) {
                order.put("customerId", AttributeValue.fromS(String.format("customer-%02d",
                        (Integer.parseInt(current.get("customerId").s().substring(9)) + 1) % CUSTOMERS)));
            } else {
                int stage = List.of(statuses).indexOf(current.get("status").s());
                order.put("status", AttributeValue.fromS(statuses[(stage + 1) % statuses.length]));
            }
            live.put(orderId, order);
            ops.add(order);
        }
        return ops;
    }

    /** Writes the workload: each order id always by the same one of four writers, so in order per order. */
    private static Mono<Void> write(DynamoDbAsyncClient client, List<Map<String, AttributeValue>> workload) {
        return Flux.fromIterable(workload)
                .groupBy(item -> Math.floorMod(item.get("pk").s().hashCode(), WRITERS))
                .flatMap(lane -> lane.concatMap(item -> Mono.fromFuture(() -> item.size() == 1
                        ? client.deleteItem(b -> b.tableName(ORDERS_TABLE).key(item))
                        : client.putItem(b -> b.tableName(ORDERS_TABLE).item(item)))), WRITERS)
                .then();
    }

    /** An amount between 5.00 and 504.99. */
    private static BigDecimal amount(Random random) {
        return BigDecimal.valueOf(500 + random.nextInt(50_000), 2);
    }

    private static AttributeValue number(BigDecimal value) {
        return AttributeValue.fromN(value.toPlainString());
    }

    /** How many changes were processed, and how many updates applied or skipped by their condition. */
    private static final class Counts {
        final AtomicLong records = new AtomicLong();
        final AtomicLong applied = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();
    }

    /** A customer's orders (id to amount), their count and their total. */
    private static final class Stats {
        final Map<String, BigDecimal> orders = new TreeMap<>(); // amounts without trailing zeros: equal by value
        long count;
        BigDecimal total = BigDecimal.ZERO;

        void add(String orderId, BigDecimal amount) {
            orders.put(orderId, amount.stripTrailingZeros());
            count++;
            total = total.add(amount);
        }

        boolean sameSums(Stats other) {
            return count == other.count && total.compareTo(other.total) == 0;
        }
    }
}
