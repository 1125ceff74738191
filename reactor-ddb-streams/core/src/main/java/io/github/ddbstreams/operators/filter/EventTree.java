package io.github.ddbstreams.operators.filter;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.ddbstreams.record.ChangeRecord;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Reads a record's Lambda event shape lazily, one path at a time, without building the JSON tree.
 *
 * <p>The shape mirrors {@code ChangeRecord.toLambdaEventJson()} exactly (the equivalence is tested): top-level
 * {@code eventID}, {@code eventName}, {@code eventVersion}, {@code eventSource}, {@code awsRegion},
 * {@code dynamodb}, {@code eventSourceARN}, {@code userIdentity}; images in DynamoDB JSON, numbers as the
 * strings DynamoDB wrote; empty images, an absent creation time or view type and an absent identity are left
 * out. Only what a pattern asks for is ever computed (a binary value is base64-encoded only when a pattern
 * reaches it).
 *
 * <p>Nodes are plain objects: a {@link ChangeRecord} (the root), {@link DynamoDbSection}, an image
 * ({@code Map<String, AttributeValue>}), an {@link AttributeValue}, an {@link Identity}, a {@link List}
 * (arrays), or any Jackson {@link JsonNode} for events given as trees. Scalars are {@link String},
 * {@link Boolean}, {@link Long} (the record's numbers), a numeric {@link JsonNode}, or {@link #NULL}.
 * Stateless and thread-safe.
 */
final class EventTree {

    /** JSON {@code null} in the event (a Java {@code null} means "no such field"). */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private EventTree() {
    }

    /** The {@code dynamodb} section of a record's event. */
    static final class DynamoDbSection {
        final ChangeRecord record;

        DynamoDbSection(ChangeRecord record) {
            this.record = record;
        }
    }

    /** The value of field {@code name} of {@code node}, or {@code null} when it has none (or is no object). */
    static Object field(Object node, String name) {
        if (node instanceof AttributeValue) {
            return attributeField((AttributeValue) node, name);
        }
        if (node instanceof Map) {
            Object value = ((Map<?, ?>) node).get(name);
            return value;
        }
        if (node instanceof JsonNode) {
            JsonNode json = (JsonNode) node;
            return json.isObject() ? json.get(name) : null;
        }
        if (node instanceof ChangeRecord) {
            return recordField((ChangeRecord) node, name);
        }
        if (node instanceof DynamoDbSection) {
            return sectionField(((DynamoDbSection) node).record, name);
        }
        if (node instanceof Identity) {
            Identity identity = (Identity) node;
            switch (name) {
                case "type":
                    return identity.type();
                case "principalId":
                    return identity.principalId();
                default:
                    return null;
            }
        }
        return null;
    }

    /** Whether the node is an array of the event. */
    static boolean isArray(Object node) {
        return node instanceof List || (node instanceof JsonNode && ((JsonNode) node).isArray());
    }

    /** Whether the node is an object of the event (not a leaf). */
    static boolean isObject(Object node) {
        return node instanceof AttributeValue || node instanceof Map || node instanceof ChangeRecord
                || node instanceof DynamoDbSection || node instanceof Identity
                || (node instanceof JsonNode && ((JsonNode) node).isObject());
    }

    /** The elements of an array node. */
    static Iterable<?> elements(Object array) {
        return array instanceof List ? (List<?>) array : (JsonNode) array;
    }

    /** A leaf node as String, Boolean, Long, numeric JsonNode or {@link #NULL}. */
    static Object scalar(Object node) {
        if (node instanceof JsonNode) {
            JsonNode json = (JsonNode) node;
            if (json.isTextual()) {
                return json.textValue();
            }
            if (json.isBoolean()) {
                return json.booleanValue();
            }
            if (json.isNull() || json.isMissingNode()) {
                return NULL;
            }
            // numbers stay JsonNodes so their written form is kept (300 and 300.0 differ, as in Lambda)
        }
        return node;
    }

    /** Whether a scalar is a JSON number. */
    static boolean isNumber(Object scalar) {
        return scalar instanceof Long || (scalar instanceof JsonNode && ((JsonNode) scalar).isNumber());
    }

    /** A JSON number's written form (only for {@link #isNumber} scalars). */
    static String numberText(Object number) {
        return number instanceof Long ? number.toString() : ((JsonNode) number).asText();
    }

    /** A JSON number's value (only for {@link #isNumber} scalars). */
    static BigDecimal numberValue(Object number) {
        return number instanceof Long ? BigDecimal.valueOf((Long) number) : ((JsonNode) number).decimalValue();
    }

    private static Object recordField(ChangeRecord record, String name) {
        switch (name) {
            case "eventID":
                return record.eventId();
            case "eventName":
                return record.eventName().name();
            case "eventVersion":
                return record.eventVersion();
            case "eventSource":
                return record.eventSource();
            case "awsRegion":
                return record.awsRegion();
            case "dynamodb":
                return new DynamoDbSection(record);
            case "eventSourceARN":
                return record.streamArn();
            case "userIdentity":
                return record.userIdentity();
            default:
                return null;
        }
    }

    private static Object sectionField(ChangeRecord record, String name) {
        switch (name) {
            case "ApproximateCreationDateTime":
                Instant created = record.approximateCreationTime();
                return created == null ? null : created.getEpochSecond();
            case "Keys":
                return image(record.keys());
            case "NewImage":
                return image(record.newImage());
            case "OldImage":
                return image(record.oldImage());
            case "SequenceNumber":
                return record.sequenceNumber();
            case "SizeBytes":
                return record.sizeBytes();
            case "StreamViewType":
                StreamViewType viewType = record.streamViewType();
                return viewType == null || viewType == StreamViewType.UNKNOWN_TO_SDK_VERSION
                        ? null : viewType.toString();
            default:
                return null;
        }
    }

    private static Object image(Map<String, AttributeValue> image) {
        // Lambda leaves out the images a view type does not carry rather than sending empty objects.
        return image.isEmpty() ? null : image;
    }

    private static Object attributeField(AttributeValue value, String name) {
        AttributeValue.Type type = value.type();
        if (type == null || type == AttributeValue.Type.UNKNOWN_TO_SDK_VERSION || !typeKey(type).equals(name)) {
            return null;
        }
        switch (type) {
            case S:
                return value.s();
            case N:
                return value.n();
            case B:
                return base64(value.b());
            case BOOL:
                return value.bool();
            case NUL:
                // DynamoDB only ever writes NULL:true (and the Lambda event shape says so whatever was built)
                return Boolean.TRUE;
            case SS:
                return value.ss();
            case NS:
                return value.ns();
            case BS:
                List<String> encoded = new ArrayList<>(value.bs().size());
                for (SdkBytes bytes : value.bs()) {
                    encoded.add(base64(bytes));
                }
                return encoded;
            case L:
                return value.l();
            case M:
                return value.m();
            default:
                return null;
        }
    }

    private static String typeKey(AttributeValue.Type type) {
        return type == AttributeValue.Type.NUL ? "NULL" : type.name();
    }

    private static String base64(SdkBytes bytes) {
        return bytes == null ? null : Base64.getEncoder().encodeToString(bytes.asByteArrayUnsafe());
    }
}
