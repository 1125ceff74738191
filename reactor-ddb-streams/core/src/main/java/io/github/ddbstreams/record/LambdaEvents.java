package io.github.ddbstreams.record;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Renders a {@link ChangeRecord} in the shape of one element of a Lambda DynamoDB event's {@code Records}.
 *
 * <p>Images are written in DynamoDB JSON ({@code {"N":"1.50"}}), numbers kept as the strings DynamoDB
 * wrote, so a handler written for Lambda sees exactly what Lambda would have given it. Stateless and
 * thread-safe.
 */
final class LambdaEvents {

    /*
     * Built explicitly, without findAndRegisterModules: the output must not change with whatever Jackson
     * modules happen to be on the user's classpath. Only trees are written, which need no modules.
     */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private LambdaEvents() {
    }

    /** The record as Lambda event JSON, fields in the order Lambda writes them. */
    static String toJson(ChangeRecord record) {
        try {
            return MAPPER.writeValueAsString(toJsonNode(record));
        } catch (JsonProcessingException e) {
            // Writing a tree of strings, numbers and booleans to a String cannot fail short of a Jackson bug.
            throw new IllegalStateException("could not write the Lambda event JSON of " + record, e);
        }
    }

    /** The record as nested unmodifiable maps and lists of strings, numbers and booleans, in field order. */
    static Map<String, Object> toMap(ChangeRecord record) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) toJava(toJsonNode(record));
        return map;
    }

    /** The record as a fresh, mutable Jackson tree (callers may change it without affecting anyone). */
    static ObjectNode toJsonNode(ChangeRecord record) {
        ObjectNode root = NODES.objectNode();
        root.put("eventID", record.eventId());
        root.put("eventName", record.eventName().name());
        root.put("eventVersion", record.eventVersion());
        root.put("eventSource", record.eventSource());
        root.put("awsRegion", record.awsRegion());

        ObjectNode dynamodb = root.putObject("dynamodb");
        Instant created = record.approximateCreationTime();
        if (created != null) {
            // getEpochSecond() is defined for every Instant, so DynamoDB Local's absurd times (year 58868
            // and beyond) render as a large number instead of failing like a conversion to millis would.
            dynamodb.put("ApproximateCreationDateTime", created.getEpochSecond());
        }
        putImage(dynamodb, "Keys", record.keys());
        putImage(dynamodb, "NewImage", record.newImage());
        putImage(dynamodb, "OldImage", record.oldImage());
        dynamodb.put("SequenceNumber", record.sequenceNumber());
        dynamodb.put("SizeBytes", record.sizeBytes());
        StreamViewType viewType = record.streamViewType();
        if (viewType != null && viewType != StreamViewType.UNKNOWN_TO_SDK_VERSION) {
            dynamodb.put("StreamViewType", viewType.toString());
        }

        root.put("eventSourceARN", record.streamArn());
        Identity identity = record.userIdentity();
        if (identity != null) {
            ObjectNode user = root.putObject("userIdentity");
            if (identity.type() != null) {
                user.put("type", identity.type());
            }
            if (identity.principalId() != null) {
                user.put("principalId", identity.principalId());
            }
        }
        return root;
    }

    private static void putImage(ObjectNode parent, String field, Map<String, AttributeValue> image) {
        // Lambda leaves out the images a view type does not carry rather than sending empty objects.
        if (!image.isEmpty()) {
            parent.set(field, dynamoDbJson(image, new AttributePath()));
        }
    }

    private static ObjectNode dynamoDbJson(Map<String, AttributeValue> map, AttributePath path) {
        ObjectNode node = NODES.objectNode();
        for (Map.Entry<String, AttributeValue> e : map.entrySet()) {
            path.pushKey(e.getKey());
            node.set(e.getKey(), dynamoDbJson(e.getValue(), path));
            path.pop();
        }
        return node;
    }

    private static ObjectNode dynamoDbJson(AttributeValue value, AttributePath path) {
        if (value == null) {
            throw path.error("is null (a Java null, not a DynamoDB NULL)");
        }
        AttributeValue.Type type = value.type();
        if (type == null) {
            throw path.untyped(null);
        }
        ObjectNode node = NODES.objectNode();
        switch (type) {
            case S:
                node.put("S", value.s());
                break;
            case N:
                node.put("N", value.n());
                break;
            case B:
                node.put("B", base64(value.b()));
                break;
            case BOOL:
                node.put("BOOL", value.bool());
                break;
            case NUL:
                // DynamoDB only ever writes NULL:true; a false built by hand still means "null attribute".
                node.put("NULL", true);
                break;
            case SS:
                ArrayNode ss = node.putArray("SS");
                value.ss().forEach(ss::add);
                break;
            case NS:
                ArrayNode ns = node.putArray("NS");
                value.ns().forEach(ns::add);
                break;
            case BS:
                ArrayNode bs = node.putArray("BS");
                value.bs().forEach(b -> bs.add(base64(b)));
                break;
            case L:
                ArrayNode l = node.putArray("L");
                int i = 0;
                for (AttributeValue element : value.l()) {
                    path.pushIndex(i++);
                    l.add(dynamoDbJson(element, path));
                    path.pop();
                }
                break;
            case M:
                node.set("M", dynamoDbJson(value.m(), path));
                break;
            default:
                throw path.untyped(type);
        }
        return node;
    }

    private static String base64(SdkBytes bytes) {
        return bytes == null ? null : Base64.getEncoder().encodeToString(bytes.asByteArrayUnsafe());
    }

    private static Object toJava(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                map.put(field.getKey(), toJava(field.getValue()));
            }
            return Collections.unmodifiableMap(map);
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            for (JsonNode element : node) {
                list.add(toJava(element));
            }
            return Collections.unmodifiableList(list);
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNull()) {
            return null;
        }
        return node.textValue();
    }
}
