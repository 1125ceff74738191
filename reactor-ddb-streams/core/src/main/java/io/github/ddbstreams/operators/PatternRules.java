package io.github.ddbstreams.operators;

import java.math.BigDecimal;
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

        boolean matches(Object node) {
            if (EventTree.isArray(node)) {
                boolean empty = true;
                for (Object element : EventTree.elements(node)) {
                    empty = false;
                    if (matchesOne(element)) {
                        return true;
                    }
                }
                return empty && matchesOne(null);
            }
            return matchesOne(node);
        }

        private boolean matchesOne(Object node) {
            boolean object = EventTree.isObject(node);
            for (int i = 0; i < names.length; i++) {
                Object child = object ? EventTree.field(node, names[i]) : null;
                Rule rule = rules[i];
                boolean ok = rule instanceof LeafRule ? ((LeafRule) rule).matches(child)
                        : ((ObjectRule) rule).matches(child);
                if (!ok) {
                    return false;
                }
            }
            for (ObjectRule[] group : anyOf) {
                if (!anyMatches(group, node)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean anyMatches(ObjectRule[] alternatives, Object node) {
            for (ObjectRule alternative : alternatives) {
                if (alternative.matchesOne(node)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A leaf of the pattern: an array of values and operators, ORed. */
    static final class LeafRule implements Rule {
        final ValueMatcher[] matchers;
        final boolean matchesAbsent;

        LeafRule(ValueMatcher[] matchers, boolean matchesAbsent) {
            this.matchers = matchers;
            this.matchesAbsent = matchesAbsent;
        }

        boolean matches(Object node) {
            if (node == null || EventTree.isObject(node)) {
                return matchesAbsent;
            }
            if (EventTree.isArray(node)) {
                int[] leaves = new int[1];
                return anyLeafMatches(node, leaves) || (leaves[0] == 0 && matchesAbsent);
            }
            return matchesScalar(EventTree.scalar(node));
        }

        private boolean anyLeafMatches(Object array, int[] leaves) {
            for (Object element : EventTree.elements(array)) {
                if (EventTree.isArray(element)) {
                    if (anyLeafMatches(element, leaves)) {
                        return true;
                    }
                } else if (element != null && !EventTree.isObject(element)) {
                    leaves[0]++;
                    if (matchesScalar(EventTree.scalar(element))) {
                        return true;
                    }
                }
            }
            return false;
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
        return value -> value instanceof String && ((String) value).equalsIgnoreCase(expected);
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

    static ValueMatcher anythingButPrefix(String prefix) {
        return value -> value instanceof String && !((String) value).startsWith(prefix);
    }

    static ValueMatcher anythingButSuffix(String suffix) {
        return value -> value instanceof String && !((String) value).endsWith(suffix);
    }

    /** {@code anything-but: {equals-ignore-case: […]}}; {@code lowerCased} holds the values in lower case. */
    static ValueMatcher anythingButIgnoreCase(Set<String> lowerCased) {
        return value -> value instanceof String
                && !lowerCased.contains(((String) value).toLowerCase(Locale.ROOT));
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
