package io.github.ddbstreams.samples.boot;

import java.util.HashMap;
import java.util.Map;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Writes {@code sample.changes} changes to the table once the application runs: orders inserted, moved through
 * their statuses, every fifth one deleted. The pipeline, already subscribed, receives them as they are written.
 */
@Component
class OrderWriter implements ApplicationRunner {

    private static final String[] STATUSES = {"NEW", "PAID", "PACKED", "SHIPPED"};

    private final DynamoDbAsyncClient dynamoDb;
    private final String table;
    private final int changes;

    OrderWriter(DynamoDbAsyncClient dynamoDb, @Value("${ddb.streams.table-name}") String table,
            SampleProperties sample) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.changes = sample.changes();
    }

    @Override
    public void run(ApplicationArguments args) {
        for (int i = 0; i < changes; i++) {
            int order = i % 6;
            int step = i / 6;
            if (step == STATUSES.length) {
                dynamoDb.deleteItem(b -> b.tableName(table).key(Map.of("pk", pk(order)))).join();
                continue;
            }
            write(order, STATUSES[step % STATUSES.length]);
        }
    }

    /** Puts order {@code order} with a status: one change (INSERT the first time, MODIFY after). */
    void write(int order, String status) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", pk(order));
        item.put("status", AttributeValue.fromS(status));
        item.put("amount", AttributeValue.fromN(Integer.toString(10 + order)));
        dynamoDb.putItem(b -> b.tableName(table).item(item)).join();
    }

    private static AttributeValue pk(int order) {
        return AttributeValue.fromS(String.format("order-%02d", order));
    }
}
