package io.github.ddbstreams.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import io.github.ddbstreams.testkit.SimulatedStream.Rec;
import io.github.ddbstreams.testkit.SimulatedStream.ServiceError;
import io.github.ddbstreams.testkit.SimulatedStream.SimShard;

/**
 * The JSON 1.0 protocol of {@link SimulatedStreamsService}: reads {@code X-Amz-Target}
 * ({@code DynamoDBStreams_20120810.<Operation>}) and the JSON body, runs the operation on the model under the
 * service lock, writes the JSON answer (or {@code {"__type", "Message"}} with the error's status) after the
 * configured latency.
 */
final class SimulatedStreamsProtocol implements HttpHandler {

    private static final String TARGET_PREFIX = "DynamoDBStreams_20120810.";
    private static final String CONTENT_TYPE = "application/x-amz-json-1.0";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = MAPPER.getFactory();

    private final SimulatedStreamsService service;

    SimulatedStreamsProtocol(SimulatedStreamsService service) {
        this.service = service;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        int status = 200;
        byte[] body;
        try {
            body = answer(exchange);
        } catch (ServiceError e) {
            status = e.status;
            body = error(e.type, e.getMessage());
        } catch (IOException | RuntimeException e) {
            status = 500;
            body = error("com.amazonaws.dynamodb.v20120810#InternalServerError", String.valueOf(e));
        }
        long delay = service.latencyNanos();
        int finalStatus = status;
        byte[] finalBody = body;
        if (delay <= 0) {
            send(exchange, finalStatus, finalBody);
        } else {
            try {
                service.scheduler().schedule(() -> send(exchange, finalStatus, finalBody), delay, TimeUnit.NANOSECONDS);
            } catch (RuntimeException rejected) { // closing
                exchange.close();
            }
        }
    }

    private static void send(HttpExchange exchange, int status, byte[] body) {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException ignored) {
            // the client went away; nothing to answer
        }
    }

    private byte[] answer(HttpExchange exchange) throws IOException {
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        String operation = target != null && target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length())
                : String.valueOf(target);
        JsonNode request;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readAllBytes();
            request = bytes.length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(bytes);
        }
        service.count(operation);
        SimulatedStream stream = service.stream();
        long realNanos = System.nanoTime();
        synchronized (service.lock()) {
            long now = service.nowMs();
            switch (operation) {
                case SimulatedStreamsService.DESCRIBE_STREAM:
                    return describeStream(stream, request, realNanos);
                case SimulatedStreamsService.GET_SHARD_ITERATOR:
                    return json(g -> g.writeStringField("ShardIterator", stream.shardIterator(text(request, "StreamArn"),
                            text(request, "ShardId"), text(request, "ShardIteratorType"),
                            text(request, "SequenceNumber"), now)));
                case SimulatedStreamsService.GET_RECORDS:
                    return getRecords(stream, request, now, realNanos);
                case SimulatedStreamsService.LIST_STREAMS:
                    return listStreams(stream, request);
                default:
                    throw new ServiceError("com.amazon.coral.service#UnknownOperationException", 400,
                            "Unknown operation " + operation);
            }
        }
    }

    private static byte[] describeStream(SimulatedStream stream, JsonNode request, long realNanos) throws IOException {
        stream.requireStream(text(request, "StreamArn"));
        stream.checkDescribeLimit(realNanos);
        String childrenOf = null;
        JsonNode filter = request.get("ShardFilter");
        if (filter != null && !filter.isNull()) {
            if (!"CHILD_SHARDS".equals(text(filter, "Type")) || text(filter, "ShardId") == null) {
                throw SimulatedStream.validation("Invalid ShardFilter: " + filter);
            }
            childrenOf = text(filter, "ShardId");
        }
        SimulatedStream.Page page = stream.describe(integer(request, "Limit"), text(request, "ExclusiveStartShardId"),
                childrenOf);
        return json(g -> {
            g.writeObjectFieldStart("StreamDescription");
            g.writeStringField("StreamArn", stream.streamArn);
            g.writeStringField("StreamLabel", stream.streamLabel);
            g.writeStringField("StreamStatus", "ENABLED");
            g.writeStringField("StreamViewType", "NEW_AND_OLD_IMAGES");
            g.writeFieldName("CreationRequestDateTime");
            g.writeNumber(seconds(stream.creationMs));
            g.writeStringField("TableName", stream.tableName);
            g.writeArrayFieldStart("KeySchema");
            g.writeStartObject();
            g.writeStringField("AttributeName", "pk");
            g.writeStringField("KeyType", "HASH");
            g.writeEndObject();
            g.writeEndArray();
            g.writeArrayFieldStart("Shards");
            for (SimShard shard : page.shards()) {
                g.writeStartObject();
                if (shard.parentId != null) {
                    g.writeStringField("ParentShardId", shard.parentId);
                }
                g.writeObjectFieldStart("SequenceNumberRange");
                g.writeStringField("StartingSequenceNumber", SimulatedStream.sequenceNumber(shard.startSeq));
                if (shard.closed()) {
                    g.writeStringField("EndingSequenceNumber", SimulatedStream.sequenceNumber(shard.endSeq));
                }
                g.writeEndObject();
                g.writeStringField("ShardId", shard.id);
                g.writeEndObject();
            }
            g.writeEndArray();
            if (page.lastEvaluatedShardId() != null) {
                g.writeStringField("LastEvaluatedShardId", page.lastEvaluatedShardId());
            }
            g.writeEndObject();
        });
    }

    private static byte[] getRecords(SimulatedStream stream, JsonNode request, long now, long realNanos)
            throws IOException {
        SimulatedStream.Read read = stream.getRecords(text(request, "ShardIterator"), integer(request, "Limit"), now,
                realNanos);
        return json(g -> {
            g.writeArrayFieldStart("Records");
            for (Rec rec : read.records()) {
                g.writeStartObject();
                g.writeStringField("awsRegion", "us-east-1");
                g.writeObjectFieldStart("dynamodb");
                g.writeFieldName("ApproximateCreationDateTime");
                g.writeNumber(seconds(rec.createdMs()));
                g.writeObjectFieldStart("Keys");
                attribute(g, "pk", "S", rec.key());
                g.writeEndObject();
                g.writeObjectFieldStart("NewImage");
                attribute(g, "pk", "S", rec.key());
                attribute(g, "version", "N", Long.toString(rec.version()));
                attribute(g, "payload", "S", "x".repeat(payloadLength(rec)));
                g.writeEndObject();
                if (rec.version() > 1) {
                    g.writeObjectFieldStart("OldImage");
                    attribute(g, "pk", "S", rec.key());
                    attribute(g, "version", "N", Long.toString(rec.version() - 1));
                    g.writeEndObject();
                }
                g.writeStringField("SequenceNumber", SimulatedStream.sequenceNumber(rec.seq()));
                g.writeNumberField("SizeBytes", rec.sizeBytes());
                g.writeStringField("StreamViewType", "NEW_AND_OLD_IMAGES");
                g.writeEndObject();
                g.writeStringField("eventID", new UUID(rec.seq(), rec.version()).toString());
                g.writeStringField("eventName", rec.version() == 1 ? "INSERT" : "MODIFY");
                g.writeStringField("eventSource", "aws:dynamodb");
                g.writeStringField("eventVersion", "1.1");
                g.writeEndObject();
            }
            g.writeEndArray();
            if (read.nextIterator() != null) {
                g.writeStringField("NextShardIterator", read.nextIterator());
            }
        });
    }

    // The payload fills the record's size beyond key and version (see SimulatedStream.write).
    private static int payloadLength(Rec rec) {
        return Math.max(0, rec.sizeBytes() - rec.key().length() * 2 - 16);
    }

    private static byte[] listStreams(SimulatedStream stream, JsonNode request) throws IOException {
        Integer limit = integer(request, "Limit");
        if (limit != null && limit < 1) {
            throw SimulatedStream.validation("1 validation error detected: Value '" + limit
                    + "' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
        }
        String table = text(request, "TableName");
        boolean listed = (table == null || table.equals(stream.tableName))
                && text(request, "ExclusiveStartStreamArn") == null;
        return json(g -> {
            g.writeArrayFieldStart("Streams");
            if (listed) {
                g.writeStartObject();
                g.writeStringField("StreamArn", stream.streamArn);
                g.writeStringField("StreamLabel", stream.streamLabel);
                g.writeStringField("TableName", stream.tableName);
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    private static void attribute(JsonGenerator g, String name, String type, String value) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeStringField(type, value);
        g.writeEndObject();
    }

    private static BigDecimal seconds(long epochMs) {
        return BigDecimal.valueOf(epochMs, 3);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Integer integer(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asInt();
    }

    static byte[] error(String type, String message) {
        try {
            return json(g -> {
                g.writeStringField("__type", type);
                g.writeStringField("Message", message);
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] json(Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        }
        return out.toByteArray();
    }
}
