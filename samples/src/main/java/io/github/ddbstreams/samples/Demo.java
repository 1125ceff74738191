package io.github.ddbstreams.samples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The demo: starts DynamoDB Local on 127.0.0.1, creates an {@code Orders} table with a NEW_AND_OLD_IMAGES
 * stream, writes a few hundred puts, updates and deletes while a receiver prints each change as it
 * streams through, then checks that every change arrived, in order per order id, and prints a summary.
 *
 * <p>Run it with {@code mvn -q -Pdemo -DskipTests package}. Exit code 0 means the check passed.
 */
public final class Demo {

    private static final int ORDERS = 150;
    private static final int OPERATIONS = 400;

    private Demo() {
    }

    public static void main(String[] args) {
        int exit;
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start()) {
            exit = run(dynamoDb) ? 0 : 1;
        }
        System.exit(exit);
    }

    /** Runs the demo against a running DynamoDB Local; returns whether every check passed. */
    static boolean run(EmbeddedDynamoDb dynamoDb) {
        long started = System.nanoTime();
        System.out.println("DynamoDB Local on " + dynamoDb.endpoint());
        dynamoDb.createTableWithStream("Orders", StreamViewType.NEW_AND_OLD_IMAGES);

        List<Operation> workload = workload(new Random(7));
        Map<EventName, Long> expected = new EnumMap<>(EventName.class);
        Map<String, List<EventName>> expectedPerKey = new HashMap<>();
        for (Operation op : workload) {
            expected.merge(op.type, 1L, Long::sum);
            expectedPerKey.computeIfAbsent(op.orderId, k -> new ArrayList<>()).add(op.type);
        }

        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(dynamoDb.streamsAsyncClient())
                .dynamoDbClient(dynamoDb.dynamoDbAsyncClient())
                .tableName("Orders")
                .pollInterval(Duration.ofMillis(50))
                .build());

        Map<EventName, Long> received = new EnumMap<>(EventName.class);
        Map<String, List<EventName>> receivedPerKey = new HashMap<>();
        Set<String> shards = new HashSet<>();
        AtomicLong firstRecordNanos = new AtomicLong();

        Mono<Void> writer = write(dynamoDb.dynamoDbAsyncClient(), workload);
        List<ChangeRecord> records = receiver.receive()
                .doOnSubscribe(s -> writer.subscribe(null, e -> System.err.println("Workload writer failed: " + e)))
                .doOnNext(record -> {
                    firstRecordNanos.compareAndSet(0, System.nanoTime());
                    System.out.println(describe(record));
                    String orderId = record.keys().get("pk").s();
                    received.merge(record.eventName(), 1L, Long::sum);
                    receivedPerKey.computeIfAbsent(orderId, k -> new ArrayList<>()).add(record.eventName());
                    shards.add(record.shardId());
                    record.checkpoint().acknowledge();
                })
                .take(workload.size())
                .timeout(Duration.ofSeconds(60), Flux.empty())
                .collectList()
                .block();
        double seconds = (System.nanoTime() - started) / 1e9;

        boolean countsMatch = expected.equals(received);
        boolean orderKept = expectedPerKey.equals(receivedPerKey);
        System.out.println();
        System.out.println("Summary");
        System.out.println("  type     written  received");
        for (EventName type : EventName.values()) {
            System.out.printf("  %-7s %8d %9d%n", type, expected.getOrDefault(type, 0L), received.getOrDefault(type, 0L));
        }
        System.out.printf("  %-7s %8d %9d%n", "total", workload.size(), records == null ? 0 : records.size());
        System.out.printf("  shards read: %d, order ids: %d, first change after %.2f s, total %.2f s%n",
                shards.size(), receivedPerKey.size(),
                firstRecordNanos.get() == 0 ? Double.NaN : (firstRecordNanos.get() - started) / 1e9, seconds);
        System.out.println("  every change received: " + (countsMatch ? "yes" : "NO"));
        System.out.println("  each order's changes in write order: " + (orderKept ? "yes" : "NO"));
        return countsMatch && orderKept;
    }

    private static String describe(ChangeRecord record) {
        String orderId = record.keys().get("pk").s();
        Map<String, Object> before = record.oldImageAsMap();
        Map<String, Object> after = record.newImageAsMap();
        StringBuilder line = new StringBuilder(String.format("%-6s %-10s", record.eventName(), orderId));
        switch (record.eventName()) {
            case INSERT:
                line.append(" status=").append(after.get("status")).append(" amount=").append(after.get("amount"));
                break;
            case MODIFY:
                for (String attribute : List.of("status", "amount")) {
                    if (!java.util.Objects.equals(before.get(attribute), after.get(attribute))) {
                        line.append(' ').append(attribute).append(": ").append(before.get(attribute))
                                .append(" -> ").append(after.get(attribute));
                    }
                }
                break;
            default:
                line.append(" (was ").append(before.get("status")).append(')');
        }
        return line.append("  seq=").append(record.sequenceNumber()).toString();
    }

    /** A random but valid sequence of puts, updates and deletes over {@link #ORDERS} order ids. */
    private static List<Operation> workload(Random random) {
        String[] statuses = {"NEW", "PAID", "PACKED", "SHIPPED", "DELIVERED"};
        Map<String, Integer> live = new LinkedHashMap<>();
        List<Operation> ops = new ArrayList<>();
        while (ops.size() < OPERATIONS) {
            String orderId = String.format("order-%03d", random.nextInt(ORDERS));
            Integer stage = live.get(orderId);
            if (stage == null) {
                live.put(orderId, 0);
                ops.add(new Operation(EventName.INSERT, orderId, statuses[0], 10 + random.nextInt(90)));
            } else if (stage < statuses.length - 1 && random.nextInt(5) > 0) {
                live.put(orderId, stage + 1);
                ops.add(new Operation(EventName.MODIFY, orderId, statuses[stage + 1], 10 + random.nextInt(90)));
            } else {
                live.remove(orderId);
                ops.add(new Operation(EventName.REMOVE, orderId, null, 0));
            }
        }
        return ops;
    }

    private static Mono<Void> write(DynamoDbAsyncClient client, List<Operation> workload) {
        return Flux.fromIterable(workload)
                .concatMap(op -> Mono.fromFuture(() -> op.type == EventName.REMOVE
                        ? client.deleteItem(b -> b.tableName("Orders").key(Map.of("pk", s(op.orderId))))
                        : client.putItem(b -> b.tableName("Orders").item(Map.of(
                                "pk", s(op.orderId),
                                "status", s(op.status),
                                "amount", AttributeValue.fromN(String.valueOf(op.amount)))))))
                .then();
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private record Operation(EventName type, String orderId, String status, int amount) {
    }
}
