package io.github.ddbstreams.operators.delta;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The path syntax of {@link AttributeChange#path()}: rendering, parsing and resolving in an image.
 *
 * <p>Grammar: {@code path := name ( '.' name | '[' digits ']' )*}; a name is written bare unless it is empty
 * or holds one of {@code . [ ] " \}, then it is quoted: {@code "a.b"}, with {@code "} and {@code \}
 * escaped by a backslash. A bare name therefore never holds a delimiter, which keeps paths unambiguous and
 * lets "is below" be tested on the strings.
 */
final class DeltaPaths {

    private DeltaPaths() {
    }

    /** The name as written in a path: bare, or quoted when it holds a delimiter or is empty. */
    static String name(String name) {
        if (!needsQuotes(name)) {
            return name;
        }
        StringBuilder sb = new StringBuilder(name.length() + 4).append('"');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    private static boolean needsQuotes(String name) {
        if (name.isEmpty()) {
            return true;
        }
        for (int i = 0; i < name.length(); i++) {
            if (isDelimiter(name.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isDelimiter(char c) {
        return c == '.' || c == '[' || c == ']' || c == '"' || c == '\\';
    }

    static String child(String parent, String key) {
        return parent + '.' + name(key);
    }

    static String element(String parent, int index) {
        return parent + '[' + index + ']';
    }

    /**
     * Parses a path into its segments: a {@code String} per name, an {@code Integer} per index.
     *
     * @throws IllegalArgumentException naming the position of the first malformed character
     */
    static List<Object> parse(String path) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException("path must not be empty");
        }
        List<Object> segments = new ArrayList<>(4);
        int i = parseName(path, 0, segments);
        while (i < path.length()) {
            char c = path.charAt(i);
            if (c == '.') {
                i = parseName(path, i + 1, segments);
            } else if (c == '[') {
                int close = path.indexOf(']', i + 1);
                if (close < 0 || close == i + 1) {
                    throw malformed(path, i, "'[' must be followed by digits and ']'");
                }
                int index = 0;
                for (int j = i + 1; j < close; j++) {
                    char d = path.charAt(j);
                    if (d < '0' || d > '9') {
                        throw malformed(path, j, "a list index must be decimal digits");
                    }
                    index = index * 10 + (d - '0');
                    if (index < 0 || index > 1_000_000) {
                        throw malformed(path, i, "list index too large");
                    }
                }
                segments.add(index);
                i = close + 1;
            } else {
                throw malformed(path, i, "expected '.' or '['");
            }
        }
        return Collections.unmodifiableList(segments);
    }

    private static int parseName(String path, int start, List<Object> segments) {
        if (start >= path.length()) {
            throw malformed(path, start, "a name is missing");
        }
        if (path.charAt(start) == '"') {
            StringBuilder sb = new StringBuilder();
            int i = start + 1;
            while (i < path.length()) {
                char c = path.charAt(i);
                if (c == '\\') {
                    if (i + 1 >= path.length()) {
                        throw malformed(path, i, "'\\' must be followed by a character");
                    }
                    sb.append(path.charAt(i + 1));
                    i += 2;
                } else if (c == '"') {
                    segments.add(sb.toString());
                    return i + 1;
                } else {
                    sb.append(c);
                    i++;
                }
            }
            throw malformed(path, start, "unterminated quoted name");
        }
        int i = start;
        while (i < path.length() && !isDelimiter(path.charAt(i))) {
            i++;
        }
        if (i == start) {
            throw malformed(path, start, "a name is missing (quote names holding . [ ] \" or \\)");
        }
        segments.add(path.substring(start, i));
        return i;
    }

    private static IllegalArgumentException malformed(String path, int position, String problem) {
        return new IllegalArgumentException("malformed attribute path '" + path + "' at position " + position + ": "
                + problem);
    }

    /** The value at the path in the image, or {@code null} when some segment is absent or of another type. */
    static AttributeValue resolve(Map<String, AttributeValue> image, List<Object> segments) {
        AttributeValue value = image.get((String) segments.get(0));
        for (int i = 1; i < segments.size() && value != null; i++) {
            Object segment = segments.get(i);
            if (segment instanceof Integer) {
                int index = (Integer) segment;
                List<AttributeValue> list = value.type() == AttributeValue.Type.L ? value.l() : null;
                value = list != null && index < list.size() ? list.get(index) : null;
            } else {
                Map<String, AttributeValue> map = value.type() == AttributeValue.Type.M ? value.m() : null;
                value = map != null ? map.get((String) segment) : null;
            }
        }
        return value;
    }

    /** Whether {@code path} is {@code ancestor} or lies below it. Both must be well-formed paths. */
    static boolean isAtOrBelow(String path, String ancestor) {
        if (!path.startsWith(ancestor)) {
            return false;
        }
        if (path.length() == ancestor.length()) {
            return true;
        }
        char next = path.charAt(ancestor.length());
        return next == '.' || next == '[';
    }
}
