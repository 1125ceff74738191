package io.github.ddbstreams.operators.delta;

/**
 * What the delta operators ({@link Delta#deltas(DeltaOptions)}, {@link Delta#whenChanged(DeltaOptions,
 * String...)}) do with a record whose stream view type cannot give its delta (a MODIFY without both
 * images, an INSERT without the new image, a REMOVE without the old image).
 *
 * <pre>{@code
 * DeltaOptions options = DeltaOptions.builder()
 *         .unsupportedViewTypePolicy(UnsupportedViewTypePolicy.PASS_THROUGH)
 *         .build();
 * }</pre>
 */
public enum UnsupportedViewTypePolicy {
    /** End the Flux with an {@link UnsupportedViewTypeException} saying to enable NEW_AND_OLD_IMAGES (the default). */
    FAIL,
    /**
     * Let the record through: {@code deltas()} emits an incomplete {@link ChangeDelta}
     * ({@link ChangeDelta#isComplete()} false, every path "may have changed"), {@code whenChanged} keeps the
     * record.
     */
    PASS_THROUGH,
    /** Drop the record and acknowledge it. */
    DROP
}
