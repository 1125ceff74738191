package io.github.ddbstreams.sink.opensearch;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;

import jakarta.json.JsonValue;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonParser;
import org.opensearch.client.json.JsonData;
import org.opensearch.client.json.JsonpDeserializer;
import org.opensearch.client.json.JsonpMapper;
import org.opensearch.client.json.JsonpUtils;
import org.opensearch.client.json.jackson.JacksonJsonpGenerator;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;

/**
 * A document serialized once by the sink (so its size is known for bulk splitting) and written into the bulk
 * body as is. With a Jackson-backed client (the default) the text is copied raw; with another JSON-P mapper it
 * is re-parsed and copied event by event.
 */
final class RawJson implements JsonData {

    static final RawJson EMPTY_OBJECT = new RawJson("{}");

    private final String json;

    RawJson(String json) {
        this.json = json;
    }

    /** The length of the JSON text in characters (≈ bytes for mostly-ASCII documents). */
    int length() {
        return json.length();
    }

    @Override
    public void serialize(JsonGenerator generator, JsonpMapper mapper) {
        if (generator instanceof JacksonJsonpGenerator jackson) {
            try {
                jackson.jacksonGenerator().writeRawValue(json);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return;
        }
        try (JsonParser parser = mapper.jsonProvider().createParser(new StringReader(json))) {
            JsonpUtils.copy(parser, generator, parser.next());
        }
    }

    @Override
    public JsonValue toJson() {
        return toJson(new JacksonJsonpMapper());
    }

    @Override
    public JsonValue toJson(JsonpMapper mapper) {
        try (JsonParser parser = mapper.jsonProvider().createParser(new StringReader(json))) {
            parser.next();
            return parser.getValue();
        }
    }

    @Override
    public <T> T to(Class<T> clazz) {
        return to(clazz, new JacksonJsonpMapper());
    }

    @Override
    public <T> T to(Class<T> clazz, JsonpMapper mapper) {
        try (JsonParser parser = mapper.jsonProvider().createParser(new StringReader(json))) {
            return mapper.deserialize(parser, clazz);
        }
    }

    @Override
    public <T> T deserialize(JsonpDeserializer<T> deserializer) {
        return deserialize(deserializer, new JacksonJsonpMapper());
    }

    @Override
    public <T> T deserialize(JsonpDeserializer<T> deserializer, JsonpMapper mapper) {
        try (JsonParser parser = mapper.jsonProvider().createParser(new StringReader(json))) {
            return deserializer.deserialize(parser, mapper);
        }
    }

    @Override
    public String toString() {
        return "RawJson{" + json.length() + " chars}"; // never the contents
    }
}
