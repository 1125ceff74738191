package io.github.ddbstreams.operators.delta;

import java.util.Objects;

/**
 * Options of the delta operators {@link Delta#deltas(DeltaOptions)} and
 * {@link Delta#whenChanged(DeltaOptions, String...)}. Immutable.
 *
 * <pre>{@code
 * DeltaOptions options = DeltaOptions.builder()
 *         .unsupportedViewTypePolicy(UnsupportedViewTypePolicy.DROP)
 *         .build();
 * flux.transform(Delta.whenChanged(options, "status"));
 * }</pre>
 */
public final class DeltaOptions {

    /** By default a record whose view type cannot give a delta fails the Flux. */
    public static final UnsupportedViewTypePolicy DEFAULT_UNSUPPORTED_VIEW_TYPE_POLICY = UnsupportedViewTypePolicy.FAIL;

    private static final DeltaOptions DEFAULTS = builder().build();

    private final UnsupportedViewTypePolicy unsupportedViewTypePolicy;

    private DeltaOptions(Builder b) {
        this.unsupportedViewTypePolicy = b.unsupportedViewTypePolicy;
    }

    /** The default options. */
    public static DeltaOptions defaults() {
        return DEFAULTS;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        return new Builder().unsupportedViewTypePolicy(unsupportedViewTypePolicy);
    }

    /** What to do with a record whose view type cannot give its delta. */
    public UnsupportedViewTypePolicy unsupportedViewTypePolicy() {
        return unsupportedViewTypePolicy;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeltaOptions && ((DeltaOptions) o).unsupportedViewTypePolicy == unsupportedViewTypePolicy;
    }

    @Override
    public int hashCode() {
        return unsupportedViewTypePolicy.hashCode();
    }

    @Override
    public String toString() {
        return "DeltaOptions{unsupportedViewTypePolicy=" + unsupportedViewTypePolicy + "}";
    }

    /** Builds {@link DeltaOptions}. */
    public static final class Builder {
        private UnsupportedViewTypePolicy unsupportedViewTypePolicy = DEFAULT_UNSUPPORTED_VIEW_TYPE_POLICY;

        private Builder() {
        }

        /** What to do with a record whose view type cannot give its delta; default {@code FAIL}. */
        public Builder unsupportedViewTypePolicy(UnsupportedViewTypePolicy policy) {
            this.unsupportedViewTypePolicy = policy;
            return this;
        }

        /**
         * Builds the options.
         *
         * @throws NullPointerException naming the field that is null
         */
        public DeltaOptions build() {
            Objects.requireNonNull(unsupportedViewTypePolicy, "unsupportedViewTypePolicy");
            return new DeltaOptions(this);
        }
    }
}
