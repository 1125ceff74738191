package io.github.ddbstreams.testkit;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Pins the contract of an options class (an immutable class made by {@code builder()}, with {@code toBuilder()}
 * and a validating {@code build()}) by reflection over its builder, so that its boilerplate can be rewritten
 * without changing what users see:
 * <ul>
 *   <li>every {@code DEFAULT_X} constant and what the getter {@code x()} of options built with the defaults returns
 *       (the transcript says where they differ: a constant that is a recommendation);</li>
 *   <li>{@code toBuilder().build()} gives the same value for every getter, for the defaults and after each
 *       one-argument setter was given each of a few sample values (nulls, negatives, zero, small and large
 *       values, every enum constant);</li>
 *   <li>options do not change when the builder they were built from, or one from their {@code toBuilder()},
 *       is changed afterwards;</li>
 *   <li>the outcome of each of those calls ({@code ok}, or the exception type and message of the setter or of
 *       {@code build()}) and the {@code toString()} of the defaults are written into a transcript, which a test
 *       compares with a golden file.</li>
 * </ul>
 *
 * <pre>{@code
 * OptionsContract.assertMatchesGolden(() -> ReceiverOptions.builder().tableName("Orders"),
 *         Path.of("src/test/resources/options-contract/ReceiverOptions.txt"));
 * }</pre>
 *
 * Run with {@code -Doptions.contract.update=true} to (re)write the golden files after an intended change.
 */
public final class OptionsContract {

    /** The system property that makes {@link #assertMatchesGolden} write the golden file instead of comparing. */
    public static final String UPDATE_PROPERTY = "options.contract.update";

    private static final Set<String> NOT_GETTERS = Set.of("toString", "hashCode", "toBuilder", "getClass");

    private OptionsContract() {
    }

    /**
     * Checks the contract and compares its transcript with {@code golden} (or writes it there when the system
     * property {@value #UPDATE_PROPERTY} is {@code true}).
     *
     * @param validBuilder a new builder, each call, holding the fewest settings that build
     * @param golden       the golden transcript file
     * @throws AssertionError when a default, a round trip or the transcript differs
     */
    public static void assertMatchesGolden(Supplier<?> validBuilder, Path golden) {
        String transcript = transcript(validBuilder);
        try {
            if (Boolean.getBoolean(UPDATE_PROPERTY)) {
                Files.createDirectories(golden.getParent());
                Files.writeString(golden, transcript, StandardCharsets.UTF_8);
                return;
            }
            if (!Files.exists(golden)) {
                throw new AssertionError("no golden file " + golden + " (run with -D" + UPDATE_PROPERTY
                        + "=true to write it); transcript:\n" + transcript);
            }
            String expected = Files.readString(golden, StandardCharsets.UTF_8);
            if (!expected.equals(transcript)) {
                throw new AssertionError("the options contract differs from " + golden + ":\n"
                        + firstDifference(expected, transcript));
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read or write " + golden, e);
        }
    }

    /**
     * Checks defaults and round trips (throwing {@link AssertionError}) and returns the transcript: one line per
     * default, the defaults' {@code toString()}, and one line per setter call with its outcome.
     *
     * @param validBuilder a new builder, each call, holding the fewest settings that build
     */
    public static String transcript(Supplier<?> validBuilder) {
        Class<?> builderClass = validBuilder.get().getClass();
        Method build = method(builderClass, "build");
        Class<?> optionsClass = build.getReturnType();
        List<Method> getters = getters(optionsClass);
        StringBuilder out = new StringBuilder();
        Object defaults = call(build, validBuilder.get());
        checkDefaults(optionsClass, defaults, out);
        out.append("toString: ").append(defaults).append('\n');
        checkRoundTrip(defaults, getters, "the defaults");
        checkIsolation(validBuilder, build, getters);
        for (Method setter : setters(builderClass)) {
            for (Object value : samples(setter.getParameterTypes()[0])) {
                String call = setter.getName() + "(" + describe(value) + ")";
                out.append(call).append(": ").append(outcome(validBuilder, build, setter, value, getters, call)).append('\n');
            }
        }
        return out.toString();
    }

    private static String outcome(Supplier<?> validBuilder, Method build, Method setter, Object value,
            List<Method> getters, String call) {
        Object builder = validBuilder.get();
        try {
            setter.invoke(builder, value);
        } catch (InvocationTargetException e) {
            return "setter threw " + describe(e.getCause());
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
        Object options;
        try {
            options = build.invoke(builder);
        } catch (InvocationTargetException e) {
            return describe(e.getCause());
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
        checkRoundTrip(options, getters, call);
        return "ok";
    }

    private static void checkDefaults(Class<?> optionsClass, Object defaults, StringBuilder out) {
        List<java.lang.reflect.Field> constants = new ArrayList<>();
        for (java.lang.reflect.Field f : optionsClass.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getName().startsWith("DEFAULT_")) {
                constants.add(f);
            }
        }
        constants.sort(Comparator.comparing(java.lang.reflect.Field::getName));
        for (java.lang.reflect.Field f : constants) {
            Object constant;
            try {
                constant = f.get(null);
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
            String getterName = camel(f.getName().substring("DEFAULT_".length()));
            Method getter = Arrays.stream(optionsClass.getMethods())
                    .filter(m -> m.getName().equals(getterName) && m.getParameterCount() == 0).findFirst().orElse(null);
            if (getter == null) {
                out.append(f.getName()).append(" = ").append(describe(constant)).append(" (no getter)\n");
                continue;
            }
            Object actual = call(getter, defaults);
            if (!Objects.equals(unwrap(constant), unwrap(actual))) {
                // a constant that is a recommendation rather than the default (the golden file pins it as such)
                out.append(f.getName()).append(" = ").append(describe(constant)).append(", but ").append(getterName)
                        .append("() = ").append(describe(actual)).append('\n');
                continue;
            }
            out.append(f.getName()).append(" = ").append(getterName).append("() = ").append(describe(constant)).append('\n');
        }
    }

    private static Object unwrap(Object value) {
        // an int constant may be the default of a long getter, and so on
        return value instanceof Number n && !(value instanceof Double) && !(value instanceof Float) ? n.longValue() : value;
    }

    private static void checkRoundTrip(Object options, List<Method> getters, String what) {
        Object copy = call(method(method(options.getClass(), "toBuilder").getReturnType(), "build"),
                call(method(options.getClass(), "toBuilder"), options));
        for (Method getter : getters) {
            Object before = call(getter, options);
            Object after = call(getter, copy);
            if (!Objects.equals(before, after) && !sameLambda(before, after)) {
                throw new AssertionError(options.getClass().getSimpleName() + " after " + what + ": toBuilder().build()."
                        + getter.getName() + "() is " + after + ", not " + before);
            }
        }
    }

    /** A function derived from an option in {@code build()} (a new lambda each time) counts as the same by its class. */
    private static boolean sameLambda(Object a, Object b) {
        return a != null && b != null && a.getClass() == b.getClass() && a.getClass().isSynthetic();
    }

    /**
     * Options, and what their next toBuilder() holds, do not change when the builder they came from, or one from
     * their toBuilder(), changes later.
     */
    private static void checkIsolation(Supplier<?> validBuilder, Method build, List<Method> getters) {
        Object builder = validBuilder.get();
        Object options = call(build, builder);
        List<Object> before = new ArrayList<>();
        for (Method getter : getters) {
            before.add(call(getter, options));
        }
        Object derived = call(method(options.getClass(), "toBuilder"), options);
        for (Method setter : setters(builder.getClass())) {
            for (Object value : samples(setter.getParameterTypes()[0])) {
                for (Object target : List.of(builder, derived)) {
                    try {
                        setter.invoke(target, value);
                    } catch (InvocationTargetException | IllegalAccessException e) {
                        // a rejected value changes nothing
                    }
                }
            }
        }
        Object rebuilt = call(method(derived.getClass(), "build"), call(method(options.getClass(), "toBuilder"), options));
        for (int i = 0; i < getters.size(); i++) {
            Object after = call(getters.get(i), options);
            Object again = call(getters.get(i), rebuilt);
            if (!Objects.equals(before.get(i), after) || !(Objects.equals(before.get(i), again) || sameLambda(before.get(i), again))) {
                throw new AssertionError(options.getClass().getSimpleName() + "." + getters.get(i).getName()
                        + "() changed from " + before.get(i) + " to " + after + " (toBuilder().build(): " + again
                        + ") when its builder, or one from toBuilder(), was changed after build()");
            }
        }
    }

    private static List<Method> getters(Class<?> optionsClass) {
        List<Method> getters = new ArrayList<>();
        for (Method m : optionsClass.getMethods()) {
            if (m.getDeclaringClass() == optionsClass && !Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 0 && m.getReturnType() != void.class && !NOT_GETTERS.contains(m.getName())) {
                getters.add(m);
            }
        }
        getters.sort(Comparator.comparing(Method::getName));
        return getters;
    }

    private static List<Method> setters(Class<?> builderClass) {
        List<Method> setters = new ArrayList<>();
        for (Method m : builderClass.getMethods()) {
            if (m.getDeclaringClass() == builderClass && !Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 1 && m.getReturnType() == builderClass) {
                setters.add(m);
            }
        }
        setters.sort(Comparator.comparing((Method m) -> m.getName()).thenComparing(m -> m.getParameterTypes()[0].getName()));
        return setters;
    }

    private static List<Object> samples(Class<?> type) {
        if (type == Duration.class) {
            return Arrays.asList(null, Duration.ofMillis(-1), Duration.ZERO, Duration.ofMillis(1), Duration.ofSeconds(1),
                    Duration.ofMinutes(7), Duration.ofHours(2), Duration.ofDays(30));
        }
        if (type == int.class) {
            return List.of(-1, 0, 1, 2, 1000, 1001, Integer.MAX_VALUE);
        }
        if (type == long.class) {
            return List.of(-1L, 0L, 1L, 3L, 1_000_001L, Long.MAX_VALUE);
        }
        if (type == double.class) {
            return List.of(-1.0, 0.0, 0.5, 1.0, 2.0, Double.NaN, Double.POSITIVE_INFINITY);
        }
        if (type == boolean.class) {
            return List.of(true, false);
        }
        if (type == String.class) {
            return Arrays.asList(null, "", "a b", "x", "Orders_2.v-1",
                    "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-01-01T00:00:00.000");
        }
        if (type.isEnum()) {
            List<Object> values = new ArrayList<>();
            values.add(null);
            values.addAll(Arrays.asList(type.getEnumConstants()));
            return values;
        }
        if (type == List.class || type == java.util.Collection.class) {
            return Arrays.asList(null, List.of());
        }
        if (type == Set.class) {
            return Arrays.asList(null, Set.of());
        }
        if (type == Map.class) {
            return Arrays.asList(null, Map.of());
        }
        return Arrays.asList((Object) null);
    }

    private static String describe(Object value) {
        if (value instanceof Throwable t) {
            return t.getClass().getSimpleName() + ": " + t.getMessage();
        }
        if (value instanceof String s) {
            return "\"" + s + "\"";
        }
        return String.valueOf(value);
    }

    private static String camel(String constantName) {
        StringBuilder name = new StringBuilder();
        for (String part : constantName.toLowerCase(Locale.ROOT).split("_")) {
            name.append(name.length() == 0 ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return name.toString();
    }

    private static Method method(Class<?> type, String name) {
        try {
            return type.getMethod(name);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(type.getName() + " has no public " + name + "()", e);
        }
    }

    private static Object call(Method method, Object target) {
        try {
            return method.invoke(target);
        } catch (InvocationTargetException e) {
            throw new AssertionError(method.getName() + "() threw " + e.getCause(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    private static String firstDifference(String expected, String actual) {
        String[] e = expected.split("\n", -1);
        String[] a = actual.split("\n", -1);
        for (int i = 0; i < Math.max(e.length, a.length); i++) {
            String el = i < e.length ? e[i] : "<none>";
            String al = i < a.length ? a[i] : "<none>";
            if (!el.equals(al)) {
                return "line " + (i + 1) + "\n  expected: " + el + "\n  actual:   " + al;
            }
        }
        return "(no line differs)";
    }
}
