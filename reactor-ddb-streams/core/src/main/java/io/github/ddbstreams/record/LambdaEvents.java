package io.github.ddbstreams.record;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
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
     * modules happen to be on the user's classpath. Only trees and tokens are written, which need no modules.
     */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /* The factory MAPPER writes trees with, so streamed text is escaped exactly as the tree's is. */
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    /* Thrown by the streaming writer for a value it cannot write; toJson then reports it through the tree. */
    private static final Unwritable UNWRITABLE = new Unwritable();

    private static final SerializableString EVENT_ID = new SerializedString("eventID");
    private static final SerializableString EVENT_NAME = new SerializedString("eventName");
    private static final SerializableString EVENT_VERSION = new SerializedString("eventVersion");
    private static final SerializableString EVENT_SOURCE = new SerializedString("eventSource");
    private static final SerializableString AWS_REGION = new SerializedString("awsRegion");
    private static final SerializableString DYNAMODB = new SerializedString("dynamodb");
    private static final SerializableString APPROXIMATE_CREATION_DATE_TIME =
            new SerializedString("ApproximateCreationDateTime");
    private static final SerializableString KEYS = new SerializedString("Keys");
    private static final SerializableString NEW_IMAGE = new SerializedString("NewImage");
    private static final SerializableString OLD_IMAGE = new SerializedString("OldImage");
    private static final SerializableString SEQUENCE_NUMBER = new SerializedString("SequenceNumber");
    private static final SerializableString SIZE_BYTES = new SerializedString("SizeBytes");
    private static final SerializableString STREAM_VIEW_TYPE = new SerializedString("StreamViewType");
    private static final SerializableString EVENT_SOURCE_ARN = new SerializedString("eventSourceARN");
    private static final SerializableString USER_IDENTITY = new SerializedString("userIdentity");
    private static final SerializableString TYPE = new SerializedString("type");
    private static final SerializableString PRINCIPAL_ID = new SerializedString("principalId");
    private static final SerializableString S = new SerializedString("S");
    private static final SerializableString N = new SerializedString("N");
    private static final SerializableString B = new SerializedString("B");
    private static final SerializableString BOOL = new SerializedString("BOOL");
    private static final SerializableString NULL = new SerializedString("NULL");
    private static final SerializableString SS = new SerializedString("SS");
    private static final SerializableString NS = new SerializedString("NS");
    private static final SerializableString BS = new SerializedString("BS");
    private static final SerializableString L = new SerializedString("L");
    private static final SerializableString M = new SerializedString("M");

    private LambdaEvents() {
    }

    /**
     * The record as Lambda event JSON, fields in the order Lambda writes them.
     *
     * <p>Written straight to a {@link JsonGenerator}, without building a tree: the text is exactly what
     * serializing {@link #toJsonNode} with {@link #MAPPER} gives (same generator factory, hence the same
     * escaping; same fields in the same order; same calls for nulls), at a fraction of the cost. Values the
     * streaming writer cannot write (an untyped or Java-null attribute, a nesting deeper than Jackson's limit,
     * Java nulls where DynamoDB never has one) are rewritten through the tree, so such a record fails, or
     * renders, exactly as it always did, with the error naming the attribute's path.
     */
    static String toJson(ChangeRecord record) {
        try {
            return writeJson(record);
        } catch (IOException | RuntimeException e) {
            return toJsonThroughTree(record);
        }
    }

    /**
     * The streaming half of {@link #toJson}, without its fallback: throws on a value it cannot write.
     *
     * @throws IOException or a RuntimeException when the record holds a value the writer cannot write
     */
    static String writeJson(ChangeRecord record) throws IOException {
        // As ObjectMapper.writeValueAsString does: the writer's buffers and the generator's come from the
        // factory's recycler pool, so a call allocates little more than the resulting String.
        BufferRecycler recycler = FACTORY._getBufferRecycler();
        try (SegmentedStringWriter out = new SegmentedStringWriter(recycler)) {
            try (JsonGenerator g = FACTORY.createGenerator(out)) {
                write(g, record);
            }
            return out.getAndClear();
        } finally {
            recycler.releaseToPool();
        }
    }

    /** The reference rendering: the tree serialized by {@link #MAPPER}; it reports invalid values by path. */
    static String toJsonThroughTree(ChangeRecord record) {
        try {
            return MAPPER.writeValueAsString(toJsonNode(record));
        } catch (JsonProcessingException e) {
            // Writing a tree of strings, numbers and booleans to a String cannot fail short of a Jackson bug
            // (or a nesting deeper than Jackson's limit, which DynamoDB's 32 levels never reach).
            throw new IllegalStateException("could not write the Lambda event JSON of " + record, e);
        }
    }

    /* Mirrors toJsonNode call for call: keep the two in step (LambdaEventsStreamingTest compares them). */
    private static void write(JsonGenerator g, ChangeRecord record) throws IOException {
        g.writeStartObject();
        g.writeFieldName(EVENT_ID);
        g.writeString(record.eventId());
        g.writeFieldName(EVENT_NAME);
        g.writeString(record.eventName().name());
        g.writeFieldName(EVENT_VERSION);
        g.writeString(record.eventVersion());
        g.writeFieldName(EVENT_SOURCE);
        g.writeString(record.eventSource());
        g.writeFieldName(AWS_REGION);
        g.writeString(record.awsRegion());

        g.writeFieldName(DYNAMODB);
        g.writeStartObject();
        Instant created = record.approximateCreationTime();
        if (created != null) {
            g.writeFieldName(APPROXIMATE_CREATION_DATE_TIME);
            g.writeNumber(created.getEpochSecond());
        }
        writeImage(g, KEYS, record.keys());
        writeImage(g, NEW_IMAGE, record.newImage());
        writeImage(g, OLD_IMAGE, record.oldImage());
        g.writeFieldName(SEQUENCE_NUMBER);
        g.writeString(record.sequenceNumber());
        g.writeFieldName(SIZE_BYTES);
        g.writeNumber(record.sizeBytes());
        StreamViewType viewType = record.streamViewType();
        if (viewType != null && viewType != StreamViewType.UNKNOWN_TO_SDK_VERSION) {
            g.writeFieldName(STREAM_VIEW_TYPE);
            g.writeString(viewType.toString());
        }
        g.writeEndObject();

        g.writeFieldName(EVENT_SOURCE_ARN);
        g.writeString(record.streamArn());
        Identity identity = record.userIdentity();
        if (identity != null) {
            g.writeFieldName(USER_IDENTITY);
            g.writeStartObject();
            if (identity.type() != null) {
                g.writeFieldName(TYPE);
                g.writeString(identity.type());
            }
            if (identity.principalId() != null) {
                g.writeFieldName(PRINCIPAL_ID);
                g.writeString(identity.principalId());
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void writeImage(JsonGenerator g, SerializableString field, Map<String, AttributeValue> image)
            throws IOException {
        if (!image.isEmpty()) {
            g.writeFieldName(field);
            writeMap(g, image);
        }
    }

    private static void writeMap(JsonGenerator g, Map<String, AttributeValue> map) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, AttributeValue> e : map.entrySet()) {
            g.writeFieldName(e.getKey());
            writeValue(g, e.getValue());
        }
        g.writeEndObject();
    }

    /* No attribute path is kept here: toJson redoes an unwritable record through the tree, which names it. */
    private static void writeValue(JsonGenerator g, AttributeValue value) throws IOException {
        AttributeValue.Type type = value == null ? null : value.type();
        if (type == null) {
            throw UNWRITABLE;
        }
        g.writeStartObject();
        switch (type) {
            case S:
                g.writeFieldName(S);
                g.writeString(value.s());
                break;
            case N:
                g.writeFieldName(N);
                g.writeString(value.n());
                break;
            case B:
                g.writeFieldName(B);
                writeBase64(g, value.b());
                break;
            case BOOL:
                g.writeFieldName(BOOL);
                writeBoolean(g, value.bool());
                break;
            case NUL:
                g.writeFieldName(NULL);
                g.writeBoolean(true);
                break;
            case SS:
                g.writeFieldName(SS);
                writeStrings(g, value.ss());
                break;
            case NS:
                g.writeFieldName(NS);
                writeStrings(g, value.ns());
                break;
            case BS:
                g.writeFieldName(BS);
                List<SdkBytes> bs = value.bs();
                g.writeStartArray(bs, bs.size());
                for (SdkBytes b : bs) {
                    writeBase64(g, b);
                }
                g.writeEndArray();
                break;
            case L:
                g.writeFieldName(L);
                List<AttributeValue> l = value.l();
                g.writeStartArray(l, l.size());
                for (AttributeValue element : l) {
                    writeValue(g, element);
                }
                g.writeEndArray();
                break;
            case M:
                g.writeFieldName(M);
                writeMap(g, value.m());
                break;
            default:
                throw UNWRITABLE;
        }
        g.writeEndObject();
    }

    private static void writeStrings(JsonGenerator g, List<String> strings) throws IOException {
        g.writeStartArray(strings, strings.size());
        for (String s : strings) {
            g.writeString(s); // a null element writes null, as ArrayNode.add((String) null) does
        }
        g.writeEndArray();
    }

    private static void writeBase64(JsonGenerator g, SdkBytes bytes) throws IOException {
        if (bytes == null) {
            g.writeNull(); // as ObjectNode.put(String, (String) null) and ArrayNode.add((String) null) do
        } else {
            // MIME_NO_LINEFEEDS is RFC 4648 base64 with padding and no line breaks: the text of
            // Base64.getEncoder(), encoded into the generator's buffer instead of an intermediate String.
            byte[] b = bytes.asByteArrayUnsafe();
            g.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, b, 0, b.length);
        }
    }

    private static void writeBoolean(JsonGenerator g, Boolean b) throws IOException {
        if (b == null) {
            g.writeNull(); // as ObjectNode.put(String, (Boolean) null) does
        } else {
            g.writeBoolean(b);
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

    /** Signals a value the streaming writer cannot write; carries no stack trace (it never escapes). */
    private static final class Unwritable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unwritable() {
            super("unwritable attribute value", null, false, false);
        }
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
    /**
     * Reads a record back from its Lambda event JSON (the inverse of {@link #toJson}): the shard id, which
     * the Lambda shape does not carry, is empty, and the creation time has the JSON's whole seconds.
     *
     * @throws IllegalArgumentException naming the field when the text is not such a record
     */
    static ChangeRecord fromJson(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not Lambda event JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("Lambda event JSON must be an object");
        }
        JsonNode dynamodb = root.path("dynamodb");
        if (!dynamodb.isObject()) {
            throw new IllegalArgumentException("Lambda event JSON has no 'dynamodb' object");
        }
        String eventName = text(root, "eventName");
        if (eventName == null) {
            throw new IllegalArgumentException("Lambda event JSON has no 'eventName'");
        }
        ChangeRecord.Builder b = ChangeRecord.builder()
                .eventId(text(root, "eventID"))
                .eventName(EventName.from(OperationType.fromValue(eventName)))
                .eventVersion(text(root, "eventVersion"))
                .eventSource(text(root, "eventSource"))
                .awsRegion(text(root, "awsRegion"))
                .keys(attributeMap(dynamodb.get("Keys"), "dynamodb.Keys"))
                .newImage(attributeMap(dynamodb.get("NewImage"), "dynamodb.NewImage"))
                .oldImage(attributeMap(dynamodb.get("OldImage"), "dynamodb.OldImage"))
                .sequenceNumber(text(dynamodb, "SequenceNumber"))
                .sizeBytes(dynamodb.path("SizeBytes").asLong(0L))
                .streamArn(text(root, "eventSourceARN"));
        if (text(dynamodb, "SequenceNumber") == null) {
            throw new IllegalArgumentException("Lambda event JSON has no 'dynamodb.SequenceNumber'");
        }
        JsonNode created = dynamodb.get("ApproximateCreationDateTime");
        if (created != null && created.isNumber()) {
            b.approximateCreationTime(Instant.ofEpochSecond(created.asLong()));
        }
        String viewType = text(dynamodb, "StreamViewType");
        if (viewType != null) {
            b.streamViewType(StreamViewType.fromValue(viewType));
        }
        JsonNode identity = root.get("userIdentity");
        if (identity != null && identity.isObject()) {
            b.userIdentity(Identity.builder().type(text(identity, "type")).principalId(text(identity, "principalId"))
                    .build());
        }
        return b.build();
    }

    private static Map<String, AttributeValue> attributeMap(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("'" + path + "' must be an object of DynamoDB JSON values");
        }
        Map<String, AttributeValue> map = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> map.put(e.getKey(), attributeValue(e.getValue(), path + '.' + e.getKey())));
        return map;
    }

    private static AttributeValue attributeValue(JsonNode node, String path) {
        if (node == null || !node.isObject() || node.size() != 1) {
            throw new IllegalArgumentException("'" + path + "' must be a DynamoDB JSON value like {\"S\":\"x\"}");
        }
        Map.Entry<String, JsonNode> e = node.fields().next();
        JsonNode v = e.getValue();
        switch (e.getKey()) {
            case "S":
                return AttributeValue.fromS(v.asText());
            case "N":
                return AttributeValue.fromN(v.asText());
            case "B":
                return AttributeValue.fromB(SdkBytes.fromByteArray(Base64.getDecoder().decode(v.asText())));
            case "BOOL":
                return AttributeValue.fromBool(v.asBoolean());
            case "NULL":
                return AttributeValue.fromNul(true);
            case "SS":
                return AttributeValue.fromSs(strings(v));
            case "NS":
                return AttributeValue.fromNs(strings(v));
            case "BS": {
                List<SdkBytes> bs = new ArrayList<>(v.size());
                v.forEach(element -> bs.add(SdkBytes.fromByteArray(Base64.getDecoder().decode(element.asText()))));
                return AttributeValue.fromBs(bs);
            }
            case "L": {
                List<AttributeValue> l = new ArrayList<>(v.size());
                int i = 0;
                for (JsonNode element : v) {
                    l.add(attributeValue(element, path + '[' + i++ + ']'));
                }
                return AttributeValue.fromL(l);
            }
            case "M":
                return AttributeValue.fromM(attributeMap(v, path));
            default:
                throw new IllegalArgumentException("'" + path + "' has unknown DynamoDB JSON type '" + e.getKey() + "'");
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> strings = new ArrayList<>(array.size());
        array.forEach(element -> strings.add(element.asText()));
        return strings;
    }

    private static String text(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }
}
