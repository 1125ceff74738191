package io.github.ddbstreams.operators.delta;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.ddbstreams.record.AttributeValues;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Compares attribute values the way DynamoDB means them: numbers by value ({@code 1.0} = {@code 1},
 * {@code 1E2} = {@code 100}), sets without order (number sets by value), binaries by content, maps by
 * key, lists by index.
 *
 * <p>Recursion is bounded by DynamoDB's nesting limit (32 levels); the work is linear in the size of the
 * images, and path strings are built only for containers descended into and for changes reported.
 */
final class AttributeDiff {

    private AttributeDiff() {
    }

    /** Appends the changes from {@code oldImage} to {@code newImage}; removed and changed first, in old order. */
    static void diffItems(Map<String, AttributeValue> oldImage, Map<String, AttributeValue> newImage,
            List<AttributeChange> out) {
        diffMaps(null, oldImage, newImage, out);
    }

    private static void diffMaps(String parent, Map<String, AttributeValue> oldMap, Map<String, AttributeValue> newMap,
            List<AttributeChange> out) {
        for (Map.Entry<String, AttributeValue> e : oldMap.entrySet()) {
            AttributeValue newValue = newMap.get(e.getKey());
            AttributeValue oldValue = e.getValue();
            if (oldValue == null) {
                continue; // a Java null is no attribute: treated as absent
            }
            if (newValue == null) {
                out.add(AttributeChange.removed(path(parent, e.getKey()), oldValue));
            } else {
                diffValues(parent, e.getKey(), oldValue, newValue, out);
            }
        }
        for (Map.Entry<String, AttributeValue> e : newMap.entrySet()) {
            if (e.getValue() != null && oldMap.get(e.getKey()) == null) {
                out.add(AttributeChange.added(path(parent, e.getKey()), e.getValue()));
            }
        }
    }

    private static String path(String parent, String key) {
        return parent == null ? DeltaPaths.name(key) : DeltaPaths.child(parent, key);
    }

    private static void diffValues(String parent, String key, AttributeValue oldValue, AttributeValue newValue,
            List<AttributeChange> out) {
        AttributeValue.Type type = oldValue.type();
        if (type != newValue.type()) {
            out.add(AttributeChange.changed(path(parent, key), oldValue, newValue));
        } else if (type == AttributeValue.Type.M) {
            diffMaps(path(parent, key), oldValue.m(), newValue.m(), out);
        } else if (type == AttributeValue.Type.L) {
            diffLists(path(parent, key), oldValue.l(), newValue.l(), out);
        } else if (!same(oldValue, newValue)) {
            out.add(AttributeChange.changed(path(parent, key), oldValue, newValue));
        }
    }

    private static void diffLists(String path, List<AttributeValue> oldList, List<AttributeValue> newList,
            List<AttributeChange> out) {
        int common = Math.min(oldList.size(), newList.size());
        for (int i = 0; i < common; i++) {
            AttributeValue oldValue = oldList.get(i);
            AttributeValue newValue = newList.get(i);
            AttributeValue.Type type = oldValue.type();
            if (type != newValue.type()) {
                out.add(AttributeChange.changed(DeltaPaths.element(path, i), oldValue, newValue));
            } else if (type == AttributeValue.Type.M) {
                diffMaps(DeltaPaths.element(path, i), oldValue.m(), newValue.m(), out);
            } else if (type == AttributeValue.Type.L) {
                diffLists(DeltaPaths.element(path, i), oldValue.l(), newValue.l(), out);
            } else if (!same(oldValue, newValue)) {
                out.add(AttributeChange.changed(DeltaPaths.element(path, i), oldValue, newValue));
            }
        }
        for (int i = common; i < oldList.size(); i++) {
            out.add(AttributeChange.removed(DeltaPaths.element(path, i), oldList.get(i)));
        }
        for (int i = common; i < newList.size(); i++) {
            out.add(AttributeChange.added(DeltaPaths.element(path, i), newList.get(i)));
        }
    }

    /** Whether two values, either possibly null (absent), mean the same thing. */
    static boolean sameOrBothAbsent(AttributeValue a, AttributeValue b) {
        if (a == null || b == null) {
            return a == b;
        }
        return same(a, b);
    }

    /** Deep semantic equality of two non-null values. */
    static boolean same(AttributeValue a, AttributeValue b) {
        if (a == b) {
            return true;
        }
        AttributeValue.Type type = a.type();
        if (type != b.type()) {
            return false;
        }
        if (type == null) {
            return a.equals(b);
        }
        switch (type) {
            case S:
                return a.s().equals(b.s());
            case N:
                return sameNumber(a.n(), b.n());
            case B:
                return a.b().equals(b.b());
            case BOOL:
                return a.bool().equals(b.bool());
            case NUL:
                return true;
            case SS:
                return sameSet(a.ss(), b.ss());
            case BS:
                return sameSet(a.bs(), b.bs());
            case NS:
                return sameNumberSet(a.ns(), b.ns());
            case L:
                return sameList(a.l(), b.l());
            case M:
                return sameMap(a.m(), b.m());
            default:
                return a.equals(b);
        }
    }

    private static boolean sameList(List<AttributeValue> a, List<AttributeValue> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!same(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameMap(Map<String, AttributeValue> a, Map<String, AttributeValue> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<String, AttributeValue> e : a.entrySet()) {
            if (!sameOrBothAbsent(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    static boolean sameNumber(String a, String b) {
        if (a.equals(b)) {
            return true;
        }
        try {
            return new BigDecimal(a).compareTo(new BigDecimal(b)) == 0;
        } catch (NumberFormatException e) {
            return false; // not a number DynamoDB would accept: different strings differ
        }
    }

    /** DynamoDB sets hold no duplicates, so equal sizes plus containment mean equality. */
    private static <T> boolean sameSet(List<T> a, List<T> b) {
        if (a.size() != b.size()) {
            return false;
        }
        if (a.equals(b)) {
            return true;
        }
        return new HashSet<>(a).containsAll(b);
    }

    private static boolean sameNumberSet(List<String> a, List<String> b) {
        if (a.size() != b.size()) {
            return false;
        }
        if (a.equals(b)) {
            return true;
        }
        Set<String> values = new HashSet<>(a.size() * 2);
        for (String n : a) {
            values.add(canonicalNumber(n));
        }
        for (String n : b) {
            if (!values.contains(canonicalNumber(n))) {
                return false;
            }
        }
        return true;
    }

    /** A text equal for numerically equal inputs (the malformed string itself, which no canonical text equals). */
    private static String canonicalNumber(String n) {
        try {
            return AttributeValues.canonicalNumber(n);
        } catch (IllegalArgumentException e) {
            return n;
        }
    }
}
