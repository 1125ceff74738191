package io.github.ddbstreams.operators.delta;

import java.util.Objects;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Thrown by {@link Delta#of} (and signalled by the delta operators under
 * {@link UnsupportedViewTypePolicy#FAIL}) when a record does not carry the images its delta needs: a
 * MODIFY needs both images ({@code NEW_AND_OLD_IMAGES}), an INSERT the new image, a REMOVE the old image.
 *
 * <p>The message names the record's position, the view type (and whether it was inferred from the
 * images present) and says to enable {@code NEW_AND_OLD_IMAGES} on the table's stream.
 *
 * <pre>{@code
 * try {
 *     ChangeDelta delta = Delta.of(record);
 * } catch (UnsupportedViewTypeException e) {
 *     log.warn("no delta for {} ({})", e.eventName(), e.viewType());
 * }
 * }</pre>
 */
public final class UnsupportedViewTypeException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final StreamViewType viewType;
    private final EventName eventName;
    private final boolean inferred;

    UnsupportedViewTypeException(ChangeRecord record, StreamViewType viewType, boolean inferred) {
        super(message(record, viewType, inferred));
        this.viewType = Objects.requireNonNull(viewType, "viewType");
        this.eventName = record.eventName();
        this.inferred = inferred;
    }

    private static String message(ChangeRecord record, StreamViewType viewType, boolean inferred) {
        String needs;
        switch (record.eventName()) {
            case INSERT:
                needs = "the new image";
                break;
            case REMOVE:
                needs = "the old image";
                break;
            default:
                needs = "both the old and the new image";
        }
        return "cannot compute the delta of " + record + ": a " + record.eventName() + " needs " + needs
                + " but the stream view type is " + viewType
                + (inferred ? " (the record names no view type; inferred from the images it carries)" : "")
                + "; enable NEW_AND_OLD_IMAGES on the table's stream (StreamSpecification"
                + " StreamViewType=NEW_AND_OLD_IMAGES), or choose UnsupportedViewTypePolicy.PASS_THROUGH or DROP";
    }

    /** The view type that cannot give the delta (possibly inferred, see {@link #isInferred()}). */
    public StreamViewType viewType() {
        return viewType;
    }

    /** The event name of the record. */
    public EventName eventName() {
        return eventName;
    }

    /** Whether the record named no view type and {@link #viewType()} was inferred from its images. */
    public boolean isInferred() {
        return inferred;
    }
}
