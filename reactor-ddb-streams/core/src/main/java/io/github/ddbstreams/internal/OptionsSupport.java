package io.github.ddbstreams.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * What every options class of this library shares: the checks of {@code build()}, each with the one message
 * users see ({@code "<option> must <rule>, was <value>"}), and the snapshot an options object keeps of its
 * builder.
 *
 * <p>The snapshot: an options object holds a private copy of the builder it was built from (a shallow
 * {@code clone()}, so the builder implements {@link Cloneable}); its getters read that copy and
 * {@code toBuilder()} hands out a further copy. An option is thus written three times (builder field, setter,
 * getter) instead of six (also the options field, the copy into it and the copy back in {@code toBuilder()}).
 * A builder field that holds something mutable (a nested builder, a collection) is copied deeply by the
 * builder's own {@code copy()}.
 *
 * <pre>{@code
 * private Builder copy() {
 *     return OptionsSupport.copy(this::clone);
 * }
 * ...
 * OptionsSupport.require(maxRecords >= 1, "maxRecords", "be >= 1", maxRecords);
 * }</pre>
 */
public final class OptionsSupport {

    private OptionsSupport() {
    }

    /**
     * A shallow copy of a builder made by its {@code clone()} (passed as {@code this::clone}, since
     * {@code Object.clone()} is protected).
     *
     * @throws IllegalStateException if the builder does not implement {@link Cloneable}
     */
    @SuppressWarnings("unchecked")
    public static <B> B copy(Callable<Object> clone) {
        try {
            return (B) clone.call();
        } catch (Exception e) {
            throw new IllegalStateException("an options builder must be Cloneable", e);
        }
    }

    /**
     * Fails with {@code "<option> must <rule>, was <value>"} unless {@code ok}.
     *
     * @throws IllegalArgumentException naming the option, the rule and the value
     */
    public static void require(boolean ok, String option, String rule, Object value) {
        if (!ok) {
            throw new IllegalArgumentException(option + " must " + rule + ", was " + value);
        }
    }

    /**
     * Fails unless {@code d} is above zero: {@code "<option> must be positive, was <d>"}.
     *
     * @throws IllegalArgumentException naming the option
     */
    public static void requirePositive(Duration d, String option) {
        require(!d.isNegative() && !d.isZero(), option, "be positive", d);
    }

    /**
     * Fails if {@code d} is null ({@code NullPointerException} naming the option), negative, or zero unless
     * {@code zeroAllowed}: {@code "<option> must be > 0, was <d>"} (or {@code ">= 0"}).
     *
     * @return {@code d}
     */
    public static Duration requireAboveZero(Duration d, String option, boolean zeroAllowed) {
        Objects.requireNonNull(d, option);
        require(!d.isNegative() && (zeroAllowed || !d.isZero()), option, zeroAllowed ? "be >= 0" : "be > 0", d);
        return d;
    }

    /**
     * Fails if {@code s} is blank: {@code "<option> must not be blank"}.
     *
     * @throws IllegalArgumentException naming the option
     */
    public static void requireNotBlank(String s, String option) {
        if (s.isBlank()) {
            throw new IllegalArgumentException(option + " must not be blank");
        }
    }
}
