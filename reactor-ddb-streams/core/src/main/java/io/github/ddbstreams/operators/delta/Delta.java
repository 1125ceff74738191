package io.github.ddbstreams.operators.delta;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import reactor.core.publisher.Flux;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Attribute-level deltas of change records: which attributes an INSERT, MODIFY or REMOVE added, removed or
 * changed, and operators that compute them or keep only the records that touched given attributes.
 *
 * <h2>What is compared</h2>
 * A MODIFY compares the old and the new image; an INSERT reports every attribute {@code ADDED}, a REMOVE
 * every attribute {@code REMOVED}. Maps recurse by key ({@code address.city}); lists recurse by index
 * ({@code tags[2]}), a longer or shorter list reporting the added or removed indexes; numbers compare by
 * value ({@code 1.0} = {@code 1}, {@code 1E2} = {@code 100}); string, number and binary sets compare
 * without order (number sets by value) and are reported whole; binaries compare by content; a value whose
 * type changed (S → N, M → L) is {@code CHANGED} at its path.
 *
 * <h2>Paths</h2>
 * {@code name ( '.' name | '[' index ']' )*}, e.g. {@code status}, {@code address.city},
 * {@code items[0].sku}. A name that is empty or holds one of {@code . [ ] " \} is written in double quotes
 * with {@code "} and {@code \} escaped by a backslash: attribute {@code a.b} is {@code "a.b"}, its key
 * {@code c} is {@code "a.b".c}. So every path is unambiguous; build one with {@link #quote(String)}.
 *
 * <h2>View types</h2>
 * {@code NEW_AND_OLD_IMAGES} gives every delta; {@code NEW_IMAGE} gives INSERT deltas, {@code OLD_IMAGE}
 * REMOVE deltas, {@code KEYS_ONLY} none. Other records make {@link #of} throw an
 * {@link UnsupportedViewTypeException} saying to enable {@code NEW_AND_OLD_IMAGES}; the operators follow
 * their {@link UnsupportedViewTypePolicy}. A record whose {@link ChangeRecord#streamViewType()} is
 * {@code null} (built by hand) is judged by the images it carries: both → {@code NEW_AND_OLD_IMAGES},
 * only the new → {@code NEW_IMAGE}, only the old → {@code OLD_IMAGE}, none → {@code KEYS_ONLY}.
 *
 * <pre>{@code
 * receiver.receive()
 *     .transform(Delta.whenChanged("status", "address"))   // others are acknowledged and dropped
 *     .concatMap(record -> notify(record).doOnSuccess(ok -> record.checkpoint().acknowledge()))
 *     .subscribe();
 * }</pre>
 *
 * <p>All methods are stateless and thread-safe; the operators keep no state beyond the current record.
 */
public final class Delta {

    private Delta() {
    }

    /**
     * Computes the delta of one record.
     *
     * <pre>{@code
     * ChangeDelta delta = Delta.of(record);
     * delta.changedPaths(); // e.g. [status, address.city, tags[2]]
     * }</pre>
     *
     * @throws UnsupportedViewTypeException when the record's view type cannot give its delta (see above)
     */
    public static ChangeDelta of(ChangeRecord record) {
        Objects.requireNonNull(record, "record");
        StreamViewType viewType = viewType(record);
        if (!supports(viewType, record.eventName())) {
            throw new UnsupportedViewTypeException(record, viewType, !isKnown(record.streamViewType()));
        }
        return compute(record);
    }

    /**
     * Whether {@link #of} can compute this record's delta (its view type carries the images it needs).
     *
     * <pre>{@code
     * if (Delta.isSupported(record)) { ChangeDelta delta = Delta.of(record); }
     * }</pre>
     */
    public static boolean isSupported(ChangeRecord record) {
        Objects.requireNonNull(record, "record");
        return supports(viewType(record), record.eventName());
    }

    /**
     * An operator turning each record into its {@link ChangeDelta}; a record whose view type cannot give a
     * delta fails the Flux with an {@link UnsupportedViewTypeException}.
     *
     * <pre>{@code
     * receiver.receive().transform(Delta.deltas()).subscribe(delta -> ...);
     * }</pre>
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeDelta>> deltas() {
        return deltas(DeltaOptions.defaults());
    }

    /**
     * An operator turning each record into its {@link ChangeDelta}, handling records whose view type
     * cannot give a delta as {@link DeltaOptions#unsupportedViewTypePolicy()} says (dropped records are
     * acknowledged).
     *
     * <pre>{@code
     * flux.transform(Delta.deltas(DeltaOptions.builder()
     *         .unsupportedViewTypePolicy(UnsupportedViewTypePolicy.PASS_THROUGH).build()));
     * }</pre>
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeDelta>> deltas(DeltaOptions options) {
        return new DeltaOperator(Objects.requireNonNull(options, "options").unsupportedViewTypePolicy());
    }

    /**
     * An operator keeping only the records in which at least one of the paths, or something below it,
     * changed ({@code "address"} matches a change of {@code address.city}); every other record is
     * acknowledged and dropped. Records whose view type cannot give a delta fail the Flux.
     *
     * <pre>{@code
     * flux.transform(Delta.whenChanged("status", "address.city", "tags[0]"));
     * }</pre>
     *
     * @param paths one or more attribute paths (see the path syntax above)
     * @throws IllegalArgumentException if no path is given or one is malformed
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeRecord>> whenChanged(String... paths) {
        return whenChanged(DeltaOptions.defaults(), paths);
    }

    /**
     * Like {@link #whenChanged(String...)}, handling records whose view type cannot give a delta as
     * {@link DeltaOptions#unsupportedViewTypePolicy()} says: {@code PASS_THROUGH} keeps them, {@code DROP}
     * acknowledges and drops them.
     *
     * <pre>{@code
     * flux.transform(Delta.whenChanged(DeltaOptions.builder()
     *         .unsupportedViewTypePolicy(UnsupportedViewTypePolicy.PASS_THROUGH).build(), "status"));
     * }</pre>
     *
     * @throws IllegalArgumentException if no path is given or one is malformed
     */
    public static Function<Flux<ChangeRecord>, Flux<ChangeRecord>> whenChanged(DeltaOptions options,
            String... paths) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(paths, "paths");
        if (paths.length == 0) {
            throw new IllegalArgumentException("paths must name at least one attribute path");
        }
        List<List<Object>> parsed = new ArrayList<>(paths.length);
        for (String path : paths) {
            parsed.add(DeltaPaths.parse(Objects.requireNonNull(path, "paths must not contain null")));
        }
        return new WhenChangedOperator(options.unsupportedViewTypePolicy(), parsed);
    }

    /**
     * An attribute name as written in a path: unchanged, or in double quotes when it is empty or holds one of
     * {@code . [ ] " \}.
     *
     * <pre>{@code
     * Delta.quote("status")            // status
     * Delta.quote("price.eur")         // "price.eur"
     * Delta.quote("price.eur") + ".net" // the key net of attribute price.eur
     * }</pre>
     */
    public static String quote(String attributeName) {
        return DeltaPaths.name(Objects.requireNonNull(attributeName, "attributeName"));
    }

    static ChangeDelta compute(ChangeRecord record) {
        Map<String, AttributeValue> oldImage = record.eventName() == EventName.INSERT
                ? Collections.emptyMap() : record.oldImage();
        Map<String, AttributeValue> newImage = record.eventName() == EventName.REMOVE
                ? Collections.emptyMap() : record.newImage();
        List<AttributeChange> changes = new ArrayList<>();
        AttributeDiff.diffItems(oldImage, newImage, changes);
        return new ChangeDelta(record, changes.isEmpty() ? Collections.emptyList()
                : Collections.unmodifiableList(changes), true, oldImage, newImage);
    }

    /** Whether the value at the path, or below it, differs between the record's images (view type checked). */
    static boolean changedAt(ChangeRecord record, List<Object> segments) {
        Map<String, AttributeValue> oldImage = record.eventName() == EventName.INSERT
                ? Collections.emptyMap() : record.oldImage();
        Map<String, AttributeValue> newImage = record.eventName() == EventName.REMOVE
                ? Collections.emptyMap() : record.newImage();
        return !AttributeDiff.sameOrBothAbsent(DeltaPaths.resolve(oldImage, segments),
                DeltaPaths.resolve(newImage, segments));
    }

    static StreamViewType viewType(ChangeRecord record) {
        StreamViewType declared = record.streamViewType();
        if (isKnown(declared)) {
            return declared;
        }
        boolean hasOld = !record.oldImage().isEmpty();
        boolean hasNew = !record.newImage().isEmpty();
        if (hasOld && hasNew) {
            return StreamViewType.NEW_AND_OLD_IMAGES;
        }
        if (hasNew) {
            return StreamViewType.NEW_IMAGE;
        }
        return hasOld ? StreamViewType.OLD_IMAGE : StreamViewType.KEYS_ONLY;
    }

    private static boolean isKnown(StreamViewType viewType) {
        return viewType != null && viewType != StreamViewType.UNKNOWN_TO_SDK_VERSION;
    }

    static boolean supports(StreamViewType viewType, EventName eventName) {
        switch (viewType) {
            case NEW_AND_OLD_IMAGES:
                return true;
            case NEW_IMAGE:
                return eventName == EventName.INSERT;
            case OLD_IMAGE:
                return eventName == EventName.REMOVE;
            default:
                return false;
        }
    }

    static UnsupportedViewTypeException unsupported(ChangeRecord record) {
        return new UnsupportedViewTypeException(record, viewType(record), !isKnown(record.streamViewType()));
    }
}
