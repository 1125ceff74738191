package io.github.ddbstreams.backfill;

import java.util.List;
import java.util.Objects;

import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads a whole table as synthetic INSERT {@link ChangeRecord}s, then (optionally) hands over to the table's
 * stream without missing a change: the way to bootstrap a replica, an index or a topic from a table that
 * already holds data.
 *
 * <h2>The scan</h2>
 * A parallel Scan with {@link BackfillOptions#totalSegments()} segments, each read page by page: a segment
 * asks for its next page only once every item of the previous page was emitted downstream, so at most one
 * page per segment is in flight or buffered (memory: {@code totalSegments × pageSize} items at most).
 * Throttling, 5xx and I/O errors are retried with backoff and jitter. Each item becomes a record with:
 * <ul>
 *   <li>{@code eventName} INSERT, {@code newImage} the item, {@code oldImage} empty, {@code keys} the item's
 *       key attributes (from the table's key schema);</li>
 *   <li>{@code sequenceNumber} {@value #SEQUENCE_NUMBER}, below every stream record's, so a sink that keeps
 *       per item the change with the highest sequence number never lets a backfill image overwrite a
 *       change read from the stream;</li>
 *   <li>{@code shardId} {@code backfill-segment-<n>}, {@code streamArn} the table's stream (empty without
 *       one), a unique {@code eventId} ({@code backfill-<uuid>});</li>
 *   <li>a {@link io.github.ddbstreams.record.RecordCheckpoint checkpoint}: once every item of a page (and
 *       of every earlier page of the segment) is acknowledged, the segment's position moves past that page
 *       and is saved in the {@link BackfillOptions#positionStore() position store}. A new backfill with the
 *       same {@link BackfillOptions#backfillId() id} resumes each segment after its saved position, so every
 *       item is emitted at least once; a finished backfill emits nothing more.</li>
 * </ul>
 * Every backfill record has the sequence number {@value #SEQUENCE_NUMBER} in its segment:
 * {@code Dedupe.bySequenceNumber} lets such records through untouched, and {@code Dedupe.byEventId} works
 * as for stream records.
 *
 * <h2>The hand-off rule ({@link #backfillThenStream(ReceiverOptions)})</h2>
 * <ol>
 *   <li>Before the first page is read, the backfill notes the instant {@code startedAt} (on
 *       {@link BackfillOptions#scheduler()}'s clock) and the table's current stream ARN, and saves both with
 *       every segment's initial position, so a resumed backfill keeps the <em>first</em> run's instant.</li>
 *   <li>The scan emits the table as it finds it: each item as it was at some moment after
 *       {@code startedAt}.</li>
 *   <li>When the scan's last page was emitted, the stream is read with a {@code DynamoDbStreamsReceiver}
 *       built from the given options, on the noted stream ARN, starting at
 *       {@code StartPosition.atTimestamp(startedAt − streamOverlap)} for shards without a checkpoint
 *       (shards with a checkpoint resume after it, as always).</li>
 * </ol>
 * <b>Why no change is missed:</b> a change made before {@code startedAt − streamOverlap} is in the table
 * the scan reads, unless a later change superseded it, and that later change is then in the stream after the
 * hand-off point or in the scan. A change made after that point is in the stream, which the receiver reads
 * from there. The overlap covers clock skew between this machine and DynamoDB, the staleness of eventually
 * consistent Scan reads and the precision of {@code ApproximateCreationDateTime} (set
 * {@link ReceiverOptions#creationTimePrecision()} to one minute on DynamoDB Local).
 * <br><b>Why the overlap is harmless:</b> stream records in the overlap (and during the scan) are changes the
 * scan may already have seen. They arrive after the backfill records, in stream order, with sequence numbers
 * above {@value #SEQUENCE_NUMBER}: a sink that writes without regression (keeps per item the highest sequence
 * number, a REMOVE leaving a tombstone with its sequence number; between two backfill records of one item,
 * equal at {@value #SEQUENCE_NUMBER}, the later wins) ends every item at its latest change. While the stream
 * catches up, an item changed during the scan may briefly show an older value than the scan saw, until the
 * stream reaches that change; when the stream has caught up, the sink equals the table. Tombstones matter
 * when the sink applies records concurrently or out of order (a late backfill INSERT must not resurrect an
 * item whose REMOVE was already applied).
 * <br><b>The limit:</b> the stream keeps records for 24 hours ({@link BackfillOptions#streamRetention()}). If
 * {@code now − (startedAt − streamOverlap)} reaches it when the stream should take over (checked before a
 * resumed scan starts again and at hand-off), the changes made at the start may already be trimmed:
 * {@code backfillThenStream} fails with a {@link BackfillException} of reason
 * {@link BackfillException.Reason#HAND_OFF_EXPIRED} instead of losing them silently, unless the receiver's
 * checkpoint store (with leases: its lease table) already holds checkpoints for the stream (the hand-off
 * happened in an earlier run). It
 * fails with {@link BackfillException.Reason#STREAM_CHANGED} if the table's stream is no longer the one noted
 * at the start (disabled, or disabled and enabled again: the changes in between are in no stream), and with
 * {@link BackfillException.Reason#STREAM_NOT_ENABLED} if the table has no stream. A backfill of a very large
 * table must finish within the retention: raise {@link BackfillOptions#totalSegments()} to scan faster.
 *
 * <pre>{@code
 * TableBackfill backfill = TableBackfill.create(BackfillOptions.builder()
 *     .dynamoDbClient(dynamoDb).tableName("Orders").totalSegments(8)
 *     .positionStore(DynamoDbBackfillPositionStore.create(positionStoreOptions))
 *     .build());
 * backfill.backfillThenStream(receiverOptions)           // the table, then every change from the stream
 *     .concatMap(record -> replica.write(record).thenReturn(record))
 *     .subscribe(record -> record.checkpoint().acknowledge());
 * }</pre>
 */
public interface TableBackfill {

    /** The sequence number of every backfill record: below every stream record's. */
    String SEQUENCE_NUMBER = "0";

    /** The prefix of the shard id of backfill records: {@code backfill-segment-<segment>}. */
    String SHARD_ID_PREFIX = "backfill-segment-";

    /**
     * Creates a backfill; nothing is read before a Flux of it is subscribed.
     *
     * <pre>{@code
     * TableBackfill backfill = TableBackfill.create(BackfillOptions.builder()
     *     .dynamoDbClient(dynamoDb).tableName("Orders").build());
     * }</pre>
     */
    static TableBackfill create(BackfillOptions options) {
        return new DefaultTableBackfill(Objects.requireNonNull(options, "options"));
    }

    /**
     * Scans the table (resuming after the saved positions) and emits each item as a synthetic INSERT; completes
     * once every page was emitted. Each subscription is a new scan from the saved positions. Fails with a
     * {@link BackfillException} ({@code TABLE_NOT_FOUND}) if the table does not exist or is deleted during
     * the scan.
     *
     * <pre>{@code
     * backfill.scan()
     *     .concatMap(record -> index(record).thenReturn(record))
     *     .subscribe(record -> record.checkpoint().acknowledge());
     * }</pre>
     */
    Flux<ChangeRecord> scan();

    /**
     * The {@link #scan()}, then the table's stream from the hand-off point (see the rule above): no change is
     * missed, overlap is resolved by sequence numbers. {@code receiverOptions} configure the stream reading;
     * they must name this table or the stream noted at the start, and their start position is replaced by the
     * hand-off point. The stream part does not complete while the stream is enabled.
     *
     * <pre>{@code
     * backfill.backfillThenStream(ReceiverOptions.builder()
     *         .streamsClient(streams).dynamoDbClient(dynamoDb).tableName("Orders")
     *         .checkpointStore(checkpoints).build())
     *     .subscribe(record -> apply(record));
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code receiverOptions} name another table
     */
    Flux<ChangeRecord> backfillThenStream(ReceiverOptions receiverOptions);

    /**
     * The positions saved for this backfill, one per segment once a run started (empty before the first run).
     *
     * <pre>{@code
     * boolean done = backfill.positions().block().stream().allMatch(BackfillPosition::isCompleted);
     * }</pre>
     */
    Mono<List<BackfillPosition>> positions();

    /** The options of this backfill. */
    BackfillOptions options();
}
