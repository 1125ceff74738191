package io.github.ddbstreams.samples;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ddbstreams.record.AttributeValues;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.sink.opensearch.OpenSearchSink;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Workload and item-by-item verification shared by the demo and the samples. */
final class SampleSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SampleSupport() {
    }

    /** Random puts, updates and deletes over {@code keys} orders, at a steady pace; each one changes the item. */
    static Mono<Void> writeWorkload(DynamoDbAsyncClient client, String table, int operations, int keys, Duration pace,
            Map<EventName, Long> written) {
        Random random = new Random(42);
        Map<String, Integer> versions = new HashMap<>();
        String[] statuses = {"NEW", "PAID", "PACKED", "SHIPPED", "DELIVERED"};
        Flux<Integer> indexes = Flux.range(0, operations);
        return (pace.isZero() ? indexes : indexes.delayElements(pace))
                .concatMap(i -> {
                    String orderId = String.format("order-%03d", random.nextInt(keys));
                    Integer version = versions.get(orderId);
                    EventName type = version == null ? EventName.INSERT
                            : random.nextInt(6) == 0 ? EventName.REMOVE : EventName.MODIFY;
                    synchronized (written) {
                        written.merge(type, 1L, Long::sum);
                    }
                    if (type == EventName.REMOVE) {
                        versions.remove(orderId);
                        return Mono.fromFuture(() -> client.deleteItem(b -> b.tableName(table)
                                .key(Map.of("pk", AttributeValue.fromS(orderId)))));
                    }
                    int next = version == null ? 0 : version + 1;
                    versions.put(orderId, next);
                    Map<String, AttributeValue> item = new HashMap<>();
                    item.put("pk", AttributeValue.fromS(orderId));
                    item.put("version", AttributeValue.fromN(Integer.toString(next)));
                    item.put("status", AttributeValue.fromS(statuses[next % statuses.length]));
                    item.put("amount", AttributeValue.fromN(new BigDecimal(random.nextInt(100_000)).movePointLeft(2).toPlainString()));
                    item.put("customer", AttributeValue.fromS("customer-" + random.nextInt(40)));
                    item.put("tags", AttributeValue.fromSs(List.of("demo", "v" + (next % 3))));
                    return Mono.fromFuture(() -> client.putItem(b -> b.tableName(table).item(item)));
                })
                .then();
    }

    /** Items by key as plain values, without the replica sink's hidden attributes and tombstones. */
    static Map<String, Map<String, Object>> scan(DynamoDbClient client, String table, boolean replica) {
        Map<String, Map<String, Object>> items = new HashMap<>();
        client.scanPaginator(b -> b.tableName(table).consistentRead(true)).items().forEach(item -> {
            Map<String, Object> plain = new HashMap<>(AttributeValues.toJava(item));
            if (replica) {
                if (Boolean.TRUE.equals(plain.get("_ddbstreams_deleted"))) {
                    return;
                }
                plain.keySet().removeIf(name -> name.startsWith("_ddbstreams_"));
            }
            items.put((String) plain.get("pk"), normalize(plain));
        });
        return items;
    }

    /** Live documents of the index (tombstones of deleted items left out), without the sink's fields. */
    static Map<String, Map<String, Object>> searchLiveDocuments(URI endpoint, String index) {
        try {
            HttpClient http = HttpClient.newHttpClient();
            http.send(HttpRequest.newBuilder(endpoint.resolve("/" + index + "/_refresh"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint.resolve("/" + index + "/_search"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"size\":10000,\"query\":{\"match_all\":{}}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            Map<String, Map<String, Object>> documents = new HashMap<>();
            for (JsonNode hit : JSON.readTree(response.body()).path("hits").path("hits")) {
                JsonNode document = hit.path("_source");
                if (document.path(OpenSearchSink.DELETED_FIELD).asBoolean(false)) {
                    continue;
                }
                Map<String, Object> plain = new HashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> fields = document.fields(); fields.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    if (!field.getKey().startsWith("ddb_")) {
                        plain.put(field.getKey(), JSON.convertValue(field.getValue(), Object.class));
                    }
                }
                documents.put(hit.path("_id").asText(), normalize(plain));
            }
            return documents;
        } catch (Exception e) {
            throw new IllegalStateException("Could not read index '" + index + "': " + e, e);
        }
    }

    /** Numbers as BigDecimal without trailing zeros, sets and lists as sorted string lists: comparable values. */
    static Map<String, Object> normalize(Map<String, Object> item) {
        Map<String, Object> normalized = new HashMap<>();
        item.forEach((name, value) -> normalized.put(name, normalizeValue(value)));
        return normalized;
    }

    static Object normalizeValue(Object value) {
        if (value instanceof Number) {
            return new BigDecimal(value.toString()).stripTrailingZeros();
        }
        if (value instanceof java.util.Collection<?> collection) {
            List<String> values = new ArrayList<>();
            for (Object element : collection) {
                values.add(String.valueOf(normalizeValue(element)));
            }
            values.sort(null);
            return values;
        }
        return value;
    }

    static boolean equalItems(Map<String, Map<String, Object>> source, Map<String, Map<String, Object>> copy) {
        if (!source.keySet().equals(copy.keySet())) {
            Set<String> missing = new HashSet<>(source.keySet());
            missing.removeAll(copy.keySet());
            Set<String> extra = new HashSet<>(copy.keySet());
            extra.removeAll(source.keySet());
            System.out.println("    differs: missing " + missing + ", extra " + extra);
            return false;
        }
        for (Map.Entry<String, Map<String, Object>> item : source.entrySet()) {
            if (!item.getValue().equals(copy.get(item.getKey()))) {
                System.out.println("    differs at " + item.getKey());
                return false;
            }
        }
        return true;
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
