package io.github.ddbstreams.operators.filter;

import java.math.BigDecimal;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The compiled form of a filter pattern and the walk that matches it against an event.
 *
 * <p>A pattern compiles to a tree of {@link ObjectRule}s (fields ANDed, {@code $or} groups) whose leaves are
 * {@link LeafRule}s (a list of {@link ValueMatcher}s ORed). Matching walks only the paths the pattern names,
 * reading the event through {@link EventTree}; nothing is allocated per match beyond the few view objects
 * {@link EventTree} hands out. Immutable and thread-safe.
 *
 * <p>Semantics, as Lambda (and EventBridge, whose rules Lambda uses) define them:
 * <ul>
 *   <li>every field of a pattern must match (AND); an array of values matches when any value matches (OR);</li>
 *   <li>an array in the event matches when any of its elements matches; an object pattern over an array of
 *       objects must match within one element;</li>
 *   <li>leaf rules see only leaves: a field whose value is an object has no value for them
 *       ({@code exists: true} does not match it, {@code exists: false} does);</li>
 *   <li>strings and numbers compare exactly as written: {@code "100"} is not {@code 100}, {@code 300} is not
 *       {@code 300.0}.</li>
 * </ul>
 */
final class PatternRules {

    private PatternRules() {
    }

    /** Any node of the compiled tree. */
    interface Rule {
    }

    /** An object of the pattern: every field must match, and one alternative of every {@code $or} group. */
    static final class ObjectRule implements Rule {
        final String[] names;
        final Rule[] rules;
        final ObjectRule[][] anyOf;

        ObjectRule(String[] names, Rule[] rules, ObjectRule[][] anyOf) {
            this.names = names;
            this.rules = rules;
            this.anyOf = anyOf;
        }

        /** Whether a whole event (the root of the pattern) matches. */
        boolean matches(Object event) {
            return matches(event, event);
        }

        private boolean matches(Object node, Object root) {
            if (EventTree.isArray(node)) {
                boolean empty = true;
                for (Object element : EventTree.elements(node)) {
                    empty = false;
                    if (matchesOne(element, root)) {
                        return true;
                    }
                }
                return empty && matchesOne(null, root);
            }
            return matchesOne(node, root);
        }

        private boolean matchesOne(Object node, Object root) {
            boolean object = EventTree.isObject(node);
            for (int i = 0; i < names.length; i++) {
                Object child = object ? EventTree.field(node, names[i]) : null;
                Rule rule = rules[i];
                boolean ok = rule instanceof LeafRule ? ((LeafRule) rule).matches(child, root)
                        : ((ObjectRule) rule).matches(child, root);
                if (!ok) {
                    return false;
                }
            }
            for (ObjectRule[] group : anyOf) {
                if (!anyMatches(group, node, root)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean anyMatches(ObjectRule[] alternatives, Object node, Object root) {
            for (ObjectRule alternative : alternatives) {
                if (alternative.matchesOne(node, root)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * A leaf of the pattern: an array of values and operators, ORed. {@code exists: false} is no value matcher:
     * it holds when the event has no leaf at the field's whole path ({@code absentPath}, from the root of the
     * event), looking into every element of every array on the way, as event-ruler does. So
     * {@code {"o": {"k": [{"exists": false}]}}} does not match {@code {"o": [{"k": 1}, {}]}}: the field
     * {@code o.k} exists, in the first element.
     */
    static final class LeafRule implements Rule {
        final ValueMatcher[] matchers;
        final String[] absentPath;

        /** {@code absentPath}: the field's path from the root when the leaf has {@code exists: false}, else null. */
        LeafRule(ValueMatcher[] matchers, String[] absentPath) {
            this.matchers = matchers;
            this.absentPath = absentPath;
        }

        boolean matches(Object node, Object root) {
            return matchesValue(node) || (absentPath != null && !hasLeaf(root, absentPath, 0));
        }

        private boolean matchesValue(Object node) {
            if (node == null || EventTree.isObject(node)) {
                return false;
            }
            if (EventTree.isArray(node)) {
                return anyLeafMatches(node);
            }
            return matchesScalar(EventTree.scalar(node));
        }

        private boolean anyLeafMatches(Object array) {
            for (Object element : EventTree.elements(array)) {
                if (EventTree.isArray(element)) {
                    if (anyLeafMatches(element)) {
                        return true;
                    }
                } else if (element != null && !EventTree.isObject(element)
                        && matchesScalar(EventTree.scalar(element))) {
                    return true;
                }
            }
            return false;
        }

        /** Whether the event has a leaf (a scalar, JSON null included) at {@code path[from..]} below node. */
        private static boolean hasLeaf(Object node, String[] path, int from) {
            if (node == null) {
                return false;
            }
            if (EventTree.isArray(node)) {
                for (Object element : EventTree.elements(node)) {
                    if (hasLeaf(element, path, from)) {
                        return true;
                    }
                }
                return false;
            }
            boolean object = EventTree.isObject(node);
            if (from == path.length) {
                return !object;
            }
            return object && hasLeaf(EventTree.field(node, path[from]), path, from + 1);
        }

        private boolean matchesScalar(Object value) {
            for (ValueMatcher matcher : matchers) {
                if (matcher.matches(value)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** One value or operator of a leaf, tested against one scalar of the event. */
    interface ValueMatcher {
        boolean matches(Object value);
    }

    static ValueMatcher exactString(String expected) {
        return value -> expected.equals(value);
    }

    static ValueMatcher exactNumber(String expectedText) {
        return value -> EventTree.isNumber(value) && expectedText.equals(EventTree.numberText(value));
    }

    static ValueMatcher exactBoolean(boolean expected) {
        Boolean boxed = expected;
        return boxed::equals;
    }

    static ValueMatcher exactNull() {
        return value -> value == EventTree.NULL;
    }

    static ValueMatcher exists() {
        return value -> true;
    }

    static ValueMatcher prefix(String prefix) {
        return value -> value instanceof String && ((String) value).startsWith(prefix);
    }

    static ValueMatcher suffix(String suffix) {
        return value -> value instanceof String && ((String) value).endsWith(suffix);
    }

    static ValueMatcher equalsIgnoreCase(String expected) {
        IgnoreCaseText text = new IgnoreCaseText(expected);
        return value -> value instanceof String && text.matchesWhole((String) value);
    }

    /** {@code {"prefix": {"equals-ignore-case": …}}} (an EventBridge operator). */
    static ValueMatcher prefixIgnoreCase(String prefix) {
        IgnoreCaseText text = new IgnoreCaseText(prefix);
        return value -> value instanceof String && text.matchesStartOf((String) value);
    }

    /** {@code {"suffix": {"equals-ignore-case": …}}} (an EventBridge operator). */
    static ValueMatcher suffixIgnoreCase(String suffix) {
        IgnoreCaseText text = new IgnoreCaseText(suffix);
        return value -> value instanceof String && text.matchesEndOf((String) value);
    }

    /** {@code anything-but} a list of strings and/or numbers: any present leaf not among them. */
    static ValueMatcher anythingBut(Set<String> strings, Set<String> numberTexts) {
        return value -> {
            if (value instanceof String) {
                return !strings.contains(value);
            }
            if (EventTree.isNumber(value)) {
                return !numberTexts.contains(EventTree.numberText(value));
            }
            return true;
        };
    }

    /*
     * The anything-but forms exclude strings only: any other present leaf (a number, a boolean, null) is not
     * excluded and matches, as it does for a plain anything-but list.
     */

    static ValueMatcher anythingButPrefix(String prefix) {
        return value -> !(value instanceof String) || !((String) value).startsWith(prefix);
    }

    static ValueMatcher anythingButSuffix(String suffix) {
        return value -> !(value instanceof String) || !((String) value).endsWith(suffix);
    }

    /**
     * {@code anything-but: {equals-ignore-case: […]}}: the exact complement, over strings, of
     * {@link #equalsIgnoreCase} with the same values (one case folding for both).
     */
    static ValueMatcher anythingButIgnoreCase(List<String> excluded) {
        IgnoreCaseText[] texts = new IgnoreCaseText[excluded.size()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = new IgnoreCaseText(excluded.get(i));
        }
        return value -> {
            if (!(value instanceof String)) {
                return true;
            }
            for (IgnoreCaseText text : texts) {
                if (text.matchesWhole((String) value)) {
                    return false;
                }
            }
            return true;
        };
    }

    /**
     * A pattern text compared ignoring case the way event-ruler compares it: each character of the pattern
     * matches its lower-case or its upper-case form ({@code String.toLowerCase/toUpperCase(Locale.ROOT)} of
     * that one character), which may be several characters long: {@code ß} matches {@code ß} or {@code SS},
     * {@code İ} matches {@code İ} or {@code i̇} (i and a combining dot) but not a plain {@code i}. The event's
     * text is not folded. Immutable.
     */
    static final class IgnoreCaseText {
        /** For each character of the pattern, its forms (one when lower and upper case agree). */
        private final String[][] forms;

        IgnoreCaseText(String text) {
            forms = new String[text.length()][];
            for (int i = 0; i < text.length(); i++) {
                String c = String.valueOf(text.charAt(i));
                String lower = c.toLowerCase(Locale.ROOT);
                String upper = c.toUpperCase(Locale.ROOT);
                forms[i] = lower.equals(upper) ? new String[] {lower} : new String[] {lower, upper};
            }
        }

        boolean matchesWhole(String value) {
            BitSet ends = ends(value);
            return ends.get(value.length());
        }

        boolean matchesStartOf(String value) {
            return !ends(value).isEmpty();
        }

        /** Positions of value where the whole pattern, matched from the start, can end. */
        private BitSet ends(String value) {
            BitSet at = new BitSet(value.length() + 1);
            at.set(0);
            for (String[] alternatives : forms) {
                BitSet next = new BitSet(value.length() + 1);
                for (int p = at.nextSetBit(0); p >= 0; p = at.nextSetBit(p + 1)) {
                    for (String form : alternatives) {
                        if (value.startsWith(form, p)) {
                            next.set(p + form.length());
                        }
                    }
                }
                if (next.isEmpty()) {
                    return next;
                }
                at = next;
            }
            return at;
        }

        boolean matchesEndOf(String value) {
            BitSet at = new BitSet(value.length() + 1);
            at.set(value.length());
            for (int i = forms.length - 1; i >= 0; i--) {
                BitSet next = new BitSet(value.length() + 1);
                for (int p = at.nextSetBit(0); p >= 0; p = at.nextSetBit(p + 1)) {
                    for (String form : forms[i]) {
                        int start = p - form.length();
                        if (start >= 0 && value.startsWith(form, start)) {
                            next.set(start);
                        }
                    }
                }
                if (next.isEmpty()) {
                    return false;
                }
                at = next;
            }
            return true;
        }
    }

    /**
     * {@code numeric}: a JSON number within the bounds (either may be null). With {@code numberStrings}, a
     * string that is a decimal number (a DynamoDB {@code N} value) is compared too; Lambda never does that.
     */
    static ValueMatcher numeric(BigDecimal lower, boolean lowerInclusive, BigDecimal upper, boolean upperInclusive,
            boolean numberStrings) {
        return value -> {
            BigDecimal number;
            if (EventTree.isNumber(value)) {
                number = EventTree.numberValue(value);
            } else if (numberStrings && value instanceof String) {
                number = parseDecimal((String) value);
                if (number == null) {
                    return false;
                }
            } else {
                return false;
            }
            if (lower != null) {
                int c = number.compareTo(lower);
                if (c < 0 || (c == 0 && !lowerInclusive)) {
                    return false;
                }
            }
            if (upper != null) {
                int c = number.compareTo(upper);
                return c < 0 || (c == 0 && upperInclusive);
            }
            return true;
        };
    }

    private static BigDecimal parseDecimal(String text) {
        // DynamoDB numbers: up to 38 significant digits, optional sign, fraction and exponent; nothing else.
        if (text.isEmpty() || text.length() > 64) {
            return null;
        }
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
