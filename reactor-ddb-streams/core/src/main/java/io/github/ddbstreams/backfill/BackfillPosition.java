package io.github.ddbstreams.backfill;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Where the scan of one segment of a backfill stands: every item before {@link #lastEvaluatedKey()} was
 * emitted and acknowledged. Immutable.
 *
 * <p>Besides the segment's own position it carries what the hand-off to the stream needs and must survive
 * a restart: {@link #startedAt()}, the instant the backfill first started (the stream is read from there),
 * and {@link #streamArn()}, the table's stream at that instant.
 *
 * <pre>{@code
 * BackfillPosition start = BackfillPosition.start("Orders", 3, 8, Instant.now(), streamArn);
 * BackfillPosition next = start.after(lastEvaluatedKey);
 * }</pre>
 */
public final class BackfillPosition {

    private final String tableName;
    private final int segment;
    private final int totalSegments;
    private final Map<String, AttributeValue> lastEvaluatedKey;
    private final boolean completed;
    private final Instant startedAt;
    private final String streamArn;

    private BackfillPosition(String tableName, int segment, int totalSegments, Map<String, AttributeValue> lastEvaluatedKey,
            boolean completed, Instant startedAt, String streamArn) {
        this.tableName = Objects.requireNonNull(tableName, "tableName");
        if (totalSegments < 1) {
            throw new IllegalArgumentException("totalSegments must be >= 1, was " + totalSegments);
        }
        if (segment < 0 || segment >= totalSegments) {
            throw new IllegalArgumentException("segment must be 0.." + (totalSegments - 1) + ", was " + segment);
        }
        this.segment = segment;
        this.totalSegments = totalSegments;
        Objects.requireNonNull(lastEvaluatedKey, "lastEvaluatedKey");
        this.lastEvaluatedKey = lastEvaluatedKey.isEmpty() ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(lastEvaluatedKey));
        this.completed = completed;
        this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
        this.streamArn = streamArn;
    }

    /**
     * The position of a segment that has not read anything yet.
     *
     * @param streamArn the table's stream when the backfill started, or {@code null} if it had none
     */
    public static BackfillPosition start(String tableName, int segment, int totalSegments, Instant startedAt,
            String streamArn) {
        return new BackfillPosition(tableName, segment, totalSegments, Map.of(), false, startedAt, streamArn);
    }

    /**
     * A position with every field given: for stores reading positions back.
     *
     * @throws IllegalArgumentException if the segment is not in {@code 0..totalSegments-1}
     */
    public static BackfillPosition of(String tableName, int segment, int totalSegments,
            Map<String, AttributeValue> lastEvaluatedKey, boolean completed, Instant startedAt, String streamArn) {
        return new BackfillPosition(tableName, segment, totalSegments, lastEvaluatedKey, completed, startedAt, streamArn);
    }

    /** This segment's position after a page whose {@code LastEvaluatedKey} was {@code key} (not empty). */
    public BackfillPosition after(Map<String, AttributeValue> key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key must not be empty: use completed() after the last page");
        }
        return new BackfillPosition(tableName, segment, totalSegments, key, false, startedAt, streamArn);
    }

    /** This segment's position once its last page was acknowledged. */
    public BackfillPosition completed() {
        return new BackfillPosition(tableName, segment, totalSegments, Map.of(), true, startedAt, streamArn);
    }

    /** The table scanned. */
    public String tableName() {
        return tableName;
    }

    /** The segment, {@code 0..totalSegments-1}. */
    public int segment() {
        return segment;
    }

    /** How many segments the scan has. */
    public int totalSegments() {
        return totalSegments;
    }

    /** The {@code ExclusiveStartKey} of the segment's next page; empty before the first page and once completed. */
    public Map<String, AttributeValue> lastEvaluatedKey() {
        return lastEvaluatedKey;
    }

    /** Whether every item of the segment was emitted and acknowledged. */
    public boolean isCompleted() {
        return completed;
    }

    /** When the backfill (all segments) first started: the stream is read from here on hand-off. */
    public Instant startedAt() {
        return startedAt;
    }

    /** The table's stream when the backfill started, or {@code null} if it had none. */
    public String streamArn() {
        return streamArn;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BackfillPosition)) {
            return false;
        }
        BackfillPosition that = (BackfillPosition) o;
        return segment == that.segment && totalSegments == that.totalSegments && completed == that.completed
                && tableName.equals(that.tableName) && lastEvaluatedKey.equals(that.lastEvaluatedKey)
                && startedAt.equals(that.startedAt) && Objects.equals(streamArn, that.streamArn);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tableName, segment, totalSegments, lastEvaluatedKey, completed, startedAt, streamArn);
    }

    /** Shows no key values (they may hold personal data). */
    @Override
    public String toString() {
        return "BackfillPosition{" + tableName + " segment " + segment + "/" + totalSegments
                + (completed ? " completed" : lastEvaluatedKey.isEmpty() ? " at start" : " after a key")
                + ", startedAt=" + startedAt + "}";
    }
}
