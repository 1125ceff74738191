package io.github.ddbstreams.samples;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.ddbstreams.operators.batch.WindowOptions;
import io.github.ddbstreams.operators.batch.WindowResult;
import io.github.ddbstreams.operators.batch.Windows;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
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
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Sample (the seed guide's use case 1, real-time analytics): sales per product per one-second tumbling window,
 * computed from an orders table's stream and written to a {@code SalesPerProduct} table.
 *
 * <p>The pipeline:
 * <pre>{@code
 * receiver.receive()                                          // every change of AnalyticsOrders
 *     .transform(Windows.tumbling(options,                    // per shard, one window per second
 *             HashMap<String, ProductSales>::new,             // state: product -> orders, units, sales
 *             RealTimeAnalytics::addOrder))                   // INSERTs add quantity x price, others nothing
 *     .concatMap(window -> writeWindow(window)                // UpdateItem ... ADD sales :s, units :u, orders :o
 *             .then(Mono.fromRunnable(window::acknowledge)))  // records acknowledged once the window is stored
 * }</pre>
 * {@code SalesPerProduct} has the key {@code productId} (partition) + {@code windowStart} (sort, ISO-8601), so
 * one product's sales over time is one Query. The window's result is added with {@code ADD}, so the windows
 * of several shards (or of a shard and its child after a split) covering the same second sum up in one item.
 *
 * <p><b>Delivery.</b> Records are acknowledged only after their window's sums were written
 * ({@link WindowOptions#acknowledgeOnEmit()} {@code false}): nothing is lost on a crash, but a window written
 * and not yet acknowledged is read again after a restart and added a second time. {@code ADD} of a window is
 * not idempotent, and the windows are placed by processing time, so a replayed window need not hold the same
 * records; an analytics table that must be exact under replays needs per-record bookkeeping (see
 * {@link MaterializedView} for such a design). Counting dashboards usually accept the rare double count.
 *
 * <p><b>Check.</b> The workload generator remembers every order it placed; at the end the sample Scans
 * {@code SalesPerProduct}, sums each product over all windows, and compares orders, units and sales (exact
 * decimals) with what the generator wrote. It also checks that the windows held every change exactly once.
 *
 * <p>Run it with {@code mvn -q -Pdemo -DskipTests package -Ddemo.mainClass=io.github.ddbstreams.samples.RealTimeAnalytics}.
 * Exit code 0 means the check passed.
 */
public final class RealTimeAnalytics {

    static final String ORDERS_TABLE = "AnalyticsOrders";
    static final String SALES_TABLE = "SalesPerProduct";

    private static final int OPERATIONS = 1200;
    private static final int ORDER_IDS = 400;
    private static final int WRITERS = 4;
    private static final Duration WINDOW = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Map<String, BigDecimal> CATALOG = catalog();

    private RealTimeAnalytics() {
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
     * {@value #SALES_TABLE}) and returns whether its check passed.
     *
     * <pre>{@code
     * try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start()) { boolean ok = RealTimeAnalytics.run(dynamoDb); }
     * }</pre>
     */
    public static boolean run(EmbeddedDynamoDb dynamoDb) {
        long started = System.nanoTime();
        DynamoDbAsyncClient client = dynamoDb.dynamoDbAsyncClient();
        dynamoDb.createTableWithStream(ORDERS_TABLE, StreamViewType.NEW_AND_OLD_IMAGES);
        dynamoDb.createTable(CreateTableRequest.builder()
                .tableName(SALES_TABLE)
                .attributeDefinitions(
                        AttributeDefinition.builder().attributeName("productId").attributeType(ScalarAttributeType.S).build(),
                        AttributeDefinition.builder().attributeName("windowStart").attributeType(ScalarAttributeType.S).build())
                .keySchema(
                        KeySchemaElement.builder().attributeName("productId").keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName("windowStart").keyType(KeyType.RANGE).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .build());

        List<Map<String, AttributeValue>> workload = new ArrayList<>();
        Map<String, ProductSales> expected = new TreeMap<>();
        generateWorkload(new Random(11), workload, expected);

        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(dynamoDb.streamsAsyncClient())
                .dynamoDbClient(client)
                .tableName(ORDERS_TABLE)
                .pollInterval(Duration.ofMillis(50))
                .build());
        WindowOptions windowOptions = WindowOptions.builder()
                .duration(WINDOW)
                .acknowledgeOnEmit(false) // acknowledged once written, below
                .build();

        AtomicLong changesInWindows = new AtomicLong();
        AtomicInteger windows = new AtomicInteger();
        System.out.printf("Writing %d changes to %s while reading its stream in %d ms windows%n",
                workload.size(), ORDERS_TABLE, WINDOW.toMillis());
        Mono<Void> writer = write(client, workload);
        receiver.receive()
                .transform(Windows.tumbling(windowOptions, HashMap<String, ProductSales>::new, RealTimeAnalytics::addOrder))
                .concatMap(window -> writeWindow(client, window)
                        .then(Mono.fromRunnable(window::acknowledge))
                        .thenReturn(window))
                .doOnNext(window -> {
                    windows.incrementAndGet();
                    System.out.printf("  window %s (%s): %4d changes, %3d orders placed%n", window.start(),
                            window.shardId().substring(Math.max(0, window.shardId().length() - 8)),
                            window.recordCount(),
                            window.state().values().stream().mapToLong(s -> s.orders).sum());
                })
                .mergeWith(writer.then(Mono.<WindowResult<Map<String, ProductSales>>>never()))
                .takeUntil(window -> changesInWindows.addAndGet(window.recordCount()) >= workload.size())
                .timeout(TIMEOUT, Flux.empty())
                .blockLast();

        Map<String, ProductSales> actual = readSales(client);
        double seconds = (System.nanoTime() - started) / 1e9;

        boolean everyChange = changesInWindows.get() == workload.size();
        boolean totalsMatch = expected.keySet().equals(actual.keySet());
        System.out.println();
        System.out.println("Sales per product (all windows)");
        System.out.println("  product        orders  units      sales   expected sales");
        for (Map.Entry<String, ProductSales> e : expected.entrySet()) {
            ProductSales want = e.getValue();
            ProductSales got = actual.getOrDefault(e.getKey(), new ProductSales());
            boolean same = want.sameAs(got);
            totalsMatch &= same;
            System.out.printf("  %-12s %7d %6d %10s %16s%s%n", e.getKey(), got.orders, got.units,
                    money(got.sales), money(want.sales), same ? "" : "   <-- MISMATCH");
        }
        System.out.printf("  %d changes in %d windows (written %d), %.2f s%n", changesInWindows.get(), windows.get(),
                workload.size(), seconds);
        System.out.println("  every change in exactly one window: " + (everyChange ? "yes" : "NO"));
        System.out.println("  totals equal what the workload wrote: " + (totalsMatch ? "yes" : "NO"));
        boolean passed = everyChange && totalsMatch;
        System.out.println(passed ? "PASS" : "FAIL");
        return passed;
    }

    /** The window's fold: an INSERT adds its order to its product; MODIFY and REMOVE add nothing. */
    private static Map<String, ProductSales> addOrder(Map<String, ProductSales> sales, ChangeRecord record) {
        if (record.eventName() == EventName.INSERT) {
            Map<String, AttributeValue> order = record.newImage();
            int quantity = Integer.parseInt(order.get("quantity").n());
            BigDecimal price = new BigDecimal(order.get("price").n());
            sales.computeIfAbsent(order.get("productId").s(), p -> new ProductSales()).add(quantity, price);
        }
        return sales;
    }

    /** Adds one window's sums to SalesPerProduct, one UpdateItem per product (ADD creates missing items). */
    private static Mono<Void> writeWindow(DynamoDbAsyncClient client, WindowResult<Map<String, ProductSales>> window) {
        String windowStart = window.start().toString();
        return Flux.fromIterable(window.state().entrySet())
                .flatMap(e -> Mono.fromFuture(() -> client.updateItem(b -> b
                        .tableName(SALES_TABLE)
                        .key(Map.of("productId", AttributeValue.fromS(e.getKey()),
                                "windowStart", AttributeValue.fromS(windowStart)))
                        .updateExpression("ADD orders :orders, units :units, sales :sales")
                        .expressionAttributeValues(Map.of(
                                ":orders", AttributeValue.fromN(Long.toString(e.getValue().orders)),
                                ":units", AttributeValue.fromN(Long.toString(e.getValue().units)),
                                ":sales", AttributeValue.fromN(e.getValue().sales.toPlainString()))))), 8)
                .then();
    }

    /** Scans SalesPerProduct and sums every product over its windows. */
    private static Map<String, ProductSales> readSales(DynamoDbAsyncClient client) {
        Map<String, ProductSales> totals = new TreeMap<>();
        Flux.from(client.scanPaginator(b -> b.tableName(SALES_TABLE)).items())
                .doOnNext(item -> {
                    ProductSales sales = totals.computeIfAbsent(item.get("productId").s(), p -> new ProductSales());
                    sales.orders += Long.parseLong(item.get("orders").n());
                    sales.units += Long.parseLong(item.get("units").n());
                    sales.sales = sales.sales.add(new BigDecimal(item.get("sales").n()));
                })
                .blockLast(Duration.ofSeconds(30));
        return totals;
    }

    /**
     * Orders are placed (put), change status (put of the changed item) and are cancelled (delete); the sales
     * of every placed order are added to {@code expected}.
     */
    private static void generateWorkload(Random random, List<Map<String, AttributeValue>> ops,
            Map<String, ProductSales> expected) {
        String[] statuses = {"NEW", "PAID", "SHIPPED", "DELIVERED"};
        List<String> products = new ArrayList<>(CATALOG.keySet());
        Map<String, Map<String, AttributeValue>> live = new LinkedHashMap<>();
        while (ops.size() < OPERATIONS) {
            String orderId = String.format("order-%04d", random.nextInt(ORDER_IDS));
            Map<String, AttributeValue> current = live.get(orderId);
            if (current == null) {
                String product = products.get(random.nextInt(products.size()));
                int quantity = 1 + random.nextInt(5);
                Map<String, AttributeValue> order = new HashMap<>();
                order.put("pk", AttributeValue.fromS(orderId));
                order.put("productId", AttributeValue.fromS(product));
                order.put("quantity", AttributeValue.fromN(Integer.toString(quantity)));
                order.put("price", AttributeValue.fromN(CATALOG.get(product).toPlainString()));
                order.put("status", AttributeValue.fromS(statuses[0]));
                live.put(orderId, order);
                ops.add(order);
                expected.computeIfAbsent(product, p -> new ProductSales()).add(quantity, CATALOG.get(product));
            } else {
                int stage = List.of(statuses).indexOf(current.get("status").s());
                if (stage < statuses.length - 1 && random.nextInt(4) > 0) {
                    Map<String, AttributeValue> order = new HashMap<>(current);
                    order.put("status", AttributeValue.fromS(statuses[stage + 1]));
                    live.put(orderId, order);
                    ops.add(order);
                } else {
                    live.remove(orderId);
                    ops.add(Map.of("pk", AttributeValue.fromS(orderId))); // keys only: a delete
                }
            }
        }
    }

    /** Writes the workload in order: an item with only its key is a delete, any other a put. */
    private static Mono<Void> write(DynamoDbAsyncClient client, List<Map<String, AttributeValue>> workload) {
        // four writers, each order id always on the same one: each order's changes stay in order
        return Flux.fromIterable(workload)
                .groupBy(item -> Math.floorMod(item.get("pk").s().hashCode(), WRITERS))
                .flatMap(lane -> lane.concatMap(item -> Mono.fromFuture(() -> item.size() == 1
                        ? client.deleteItem(b -> b.tableName(ORDERS_TABLE).key(item))
                        : client.putItem(b -> b.tableName(ORDERS_TABLE).item(item)))), WRITERS)
                .then();
    }

    private static String money(BigDecimal amount) {
        return amount.setScale(2, RoundingMode.UNNECESSARY).toPlainString();
    }

    private static Map<String, BigDecimal> catalog() {
        Map<String, BigDecimal> catalog = new LinkedHashMap<>();
        catalog.put("keyboard", new BigDecimal("49.90"));
        catalog.put("mouse", new BigDecimal("19.99"));
        catalog.put("monitor", new BigDecimal("229.00"));
        catalog.put("headset", new BigDecimal("79.95"));
        catalog.put("webcam", new BigDecimal("64.50"));
        catalog.put("dock", new BigDecimal("149.99"));
        catalog.put("cable", new BigDecimal("7.49"));
        return catalog;
    }

    /** Orders, units and sales of one product; mutable, confined to the window operator's lock. */
    static final class ProductSales {
        long orders;
        long units;
        BigDecimal sales = BigDecimal.ZERO;

        void add(int quantity, BigDecimal price) {
            orders++;
            units += quantity;
            sales = sales.add(price.multiply(BigDecimal.valueOf(quantity)));
        }

        boolean sameAs(ProductSales other) {
            return orders == other.orders && units == other.units && sales.compareTo(other.sales) == 0;
        }
    }
}
