package io.github.ddbstreams.operators.delta;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.github.ddbstreams.record.ChangeRecord;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A change record together with the attributes it changed: what {@link Delta#of} and
 * {@link Delta#deltas()} produce.
 *
 * <p>Immutable and thread-safe. Paths follow the syntax described in {@link Delta} ({@code status},
 * {@code address.city}, {@code tags[2]}, quoted names such as {@code "a.b"}). An <em>incomplete</em>
 * delta ({@link #isComplete()} false) is what {@link UnsupportedViewTypePolicy#PASS_THROUGH} emits for a
 * record whose view type cannot tell what changed: it lists no change, and every path "may have
 * changed", so {@link #changed(String)} is {@code true} and {@link #isEmpty()} {@code false}.
 *
 * <pre>{@code
 * receiver.receive()
 *     .transform(Delta.deltas())
 *     .filter(delta -> delta.changed("address"))
 *     .doOnNext(delta -> log.debug("{} changed {}", delta.record(), delta.changedPaths()))
 *     ...
 * }</pre>
 *
 * <p>{@link #toString()} shows the record's position and the number of changes, never values.
 */
public final class ChangeDelta {

    private final ChangeRecord record;
    private final List<AttributeChange> changes;
    private final boolean complete;
    private final Map<String, AttributeValue> oldImage;
    private final Map<String, AttributeValue> newImage;
    private volatile Set<String> changedPaths;

    ChangeDelta(ChangeRecord record, List<AttributeChange> changes, boolean complete,
            Map<String, AttributeValue> oldImage, Map<String, AttributeValue> newImage) {
        this.record = record;
        this.changes = changes;
        this.complete = complete;
        this.oldImage = oldImage;
        this.newImage = newImage;
    }

    static ChangeDelta incomplete(ChangeRecord record) {
        return new ChangeDelta(record, Collections.emptyList(), false, Collections.emptyMap(), Collections.emptyMap());
    }

    /** The record this delta is about (acknowledge it through {@code record().checkpoint()}). */
    public ChangeRecord record() {
        return record;
    }

    /**
     * The changes, in a stable order: removed and changed attributes in old-image order, then added ones
     * in new-image order; nested changes follow their container. Unmodifiable; empty for an incomplete delta.
     */
    public List<AttributeChange> changes() {
        return changes;
    }

    /**
     * Whether the record carried the images its delta needs. {@code false} only for deltas emitted under
     * {@link UnsupportedViewTypePolicy#PASS_THROUGH}.
     */
    public boolean isComplete() {
        return complete;
    }

    /** Whether nothing changed (a MODIFY that rewrote equal values); {@code false} for an incomplete delta. */
    public boolean isEmpty() {
        return complete && changes.isEmpty();
    }

    /**
     * Whether the attribute at {@code path}, or anything below it, changed: {@code changed("address")} is
     * true when {@code address.city} changed, and {@code changed("address.city")} is true when the whole
     * {@code address} map appeared with a city in it. Values are compared as in {@link Delta#of}
     * (numbers by value, sets without order). Always true for an incomplete delta.
     *
     * <pre>{@code
     * if (delta.changed("tags[0]") || delta.changed(Delta.quote("price.eur"))) { ... }
     * }</pre>
     *
     * @param path an attribute path, e.g. {@code status}, {@code address.city}, {@code items[0].sku}
     * @throws IllegalArgumentException if the path is malformed
     */
    public boolean changed(String path) {
        List<Object> segments = DeltaPaths.parse(Objects.requireNonNull(path, "path"));
        if (!complete) {
            return true;
        }
        if (changes.isEmpty()) {
            return false;
        }
        return changedAt(segments);
    }

    boolean changedAt(List<Object> segments) {
        return !AttributeDiff.sameOrBothAbsent(DeltaPaths.resolve(oldImage, segments),
                DeltaPaths.resolve(newImage, segments));
    }

    /**
     * The paths of {@link #changes()}, in the same order; unmodifiable. A change below a path does not add the
     * path itself: use {@link #changed(String)} to ask about a container.
     */
    public Set<String> changedPaths() {
        Set<String> paths = changedPaths;
        if (paths == null) {
            Set<String> set = new LinkedHashSet<>(changes.size() * 2);
            for (AttributeChange change : changes) {
                set.add(change.path());
            }
            paths = Collections.unmodifiableSet(set);
            changedPaths = paths;
        }
        return paths;
    }

    /** The change reported at exactly this path, if any. */
    public Optional<AttributeChange> change(String path) {
        Objects.requireNonNull(path, "path");
        for (AttributeChange change : changes) {
            if (change.path().equals(path)) {
                return Optional.of(change);
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ChangeDelta)) {
            return false;
        }
        ChangeDelta that = (ChangeDelta) o;
        return complete == that.complete && record.equals(that.record) && changes.equals(that.changes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(record, changes, complete);
    }

    @Override
    public String toString() {
        return "ChangeDelta{" + record + (complete ? ", changes=" + changes.size() : ", incomplete") + "}";
    }
}
