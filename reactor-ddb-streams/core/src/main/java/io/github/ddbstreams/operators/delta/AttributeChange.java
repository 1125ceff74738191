package io.github.ddbstreams.operators.delta;

import java.util.Objects;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One attribute that differs between a record's old and new image, as found by {@link Delta#of}.
 *
 * <p>A change is reported at the deepest path where the two images still have the same container type:
 * two maps are compared key by key, two lists index by index, so a changed city is
 * {@code address.city}, not {@code address}; a value whose type changed (S → N, M → L, …) or a set
 * that differs is reported as a whole at its own path. See {@link Delta} for the path syntax (names
 * holding {@code .}, {@code [}, {@code ]}, {@code "} or {@code \} are quoted).
 *
 * <pre>{@code
 * for (AttributeChange change : delta.changes()) {
 *     if (change.kind() == AttributeChange.Kind.CHANGED && change.path().equals("status")) {
 *         notify(change.oldValue().s(), change.newValue().s());
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #toString()} shows the path and kind only, never the values (they may hold personal data).
 *
 * @param path where the change is, e.g. {@code status}, {@code address.city}, {@code tags[2]}
 * @param kind whether the attribute was added, removed or changed
 * @param oldValue the value before the change; {@code null} when {@link Kind#ADDED}
 * @param newValue the value after the change; {@code null} when {@link Kind#REMOVED}
 */
public record AttributeChange(String path, Kind kind, AttributeValue oldValue, AttributeValue newValue) {

    /** What happened to the attribute at {@link #path()}. */
    public enum Kind {
        /** Absent before, present after (also every attribute of an INSERT). */
        ADDED,
        /** Present before, absent after (also every attribute of a REMOVE). */
        REMOVED,
        /** Present on both sides with a different value or a different type. */
        CHANGED
    }

    /**
     * Checks that the values match the kind.
     *
     * @throws NullPointerException if path or kind is null, or a value the kind needs is null
     * @throws IllegalArgumentException if a value the kind excludes is set
     */
    public AttributeChange {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        switch (kind) {
            case ADDED:
                requireAbsent(oldValue, "oldValue", kind);
                Objects.requireNonNull(newValue, "newValue");
                break;
            case REMOVED:
                Objects.requireNonNull(oldValue, "oldValue");
                requireAbsent(newValue, "newValue", kind);
                break;
            default:
                Objects.requireNonNull(oldValue, "oldValue");
                Objects.requireNonNull(newValue, "newValue");
        }
    }

    private static void requireAbsent(AttributeValue value, String name, Kind kind) {
        if (value != null) {
            throw new IllegalArgumentException(name + " must be null for a change of kind " + kind);
        }
    }

    /** An attribute that appeared. */
    public static AttributeChange added(String path, AttributeValue newValue) {
        return new AttributeChange(path, Kind.ADDED, null, newValue);
    }

    /** An attribute that disappeared. */
    public static AttributeChange removed(String path, AttributeValue oldValue) {
        return new AttributeChange(path, Kind.REMOVED, oldValue, null);
    }

    /** An attribute whose value or type changed. */
    public static AttributeChange changed(String path, AttributeValue oldValue, AttributeValue newValue) {
        return new AttributeChange(path, Kind.CHANGED, oldValue, newValue);
    }

    @Override
    public String toString() {
        return "AttributeChange{" + kind + " " + path + "}";
    }
}
