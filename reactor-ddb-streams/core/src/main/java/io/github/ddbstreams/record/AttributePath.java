package io.github.ddbstreams.record;

import java.util.ArrayList;
import java.util.List;

/**
 * The path of the attribute a conversion is working on, for error messages only.
 *
 * <p>Segments are pushed and popped as the conversion descends, and the string is built only when an error
 * is reported: concatenating a path string at every level would make deep nesting quadratic.
 */
final class AttributePath {

    /** A list index segment is stored as an Integer, a map key as a String. */
    private final List<Object> segments = new ArrayList<>();

    void pushKey(String key) {
        segments.add(key == null ? "null" : key);
    }

    void pushIndex(int index) {
        segments.add(index);
    }

    void pop() {
        segments.remove(segments.size() - 1);
    }

    /** Renders the path as {@code a.b[2].c}; {@code <value>} for the root of a single value. */
    @Override
    public String toString() {
        if (segments.isEmpty()) {
            return "<value>";
        }
        StringBuilder sb = new StringBuilder();
        for (Object segment : segments) {
            if (segment instanceof Integer) {
                sb.append('[').append(segment).append(']');
            } else {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(segment);
            }
        }
        return sb.toString();
    }

    /** An exception naming the attribute this path points at. */
    IllegalArgumentException error(String problem) {
        return new IllegalArgumentException("attribute '" + this + "' " + problem);
    }

    /** The error for a value with no type, or several: the SDK reports both as a non-standard type. */
    IllegalArgumentException untyped(Object type) {
        return error(type == null
                ? "has more than one type set"
                : "has no type set (an empty AttributeValue, or a type unknown to this SDK version)");
    }
}
