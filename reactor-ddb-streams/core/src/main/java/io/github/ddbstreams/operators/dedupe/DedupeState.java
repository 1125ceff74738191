package io.github.ddbstreams.operators.dedupe;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.internal.AckWatermark;
import io.github.ddbstreams.record.SequenceNumbers;

/**
 * What the {@link Dedupe} operators remember: recently seen event ids and, per shard, the highest sequence
 * number emitted. Keep one and hand it to {@link Dedupe#byEventId(DedupeState)} /
 * {@link Dedupe#bySequenceNumber(DedupeState)} so that deduplication survives a re-subscription, a new
 * receiver, or a pipeline rebuilt after an error.
 *
 * <p><b>Memory bound.</b> At most {@link DedupeOptions#maxSize()} event ids (each about 200 bytes with a
 * UUID id: 2 MB for the default 10,000), evicted oldest-first and once older than
 * {@link DedupeOptions#maxAge()}; at most {@link DedupeOptions#maxShards()} shards (each about 250 bytes),
 * evicted least-recently-seen first. A forgotten shard or event id is no longer deduplicated; call
 * {@link #forgetShard(String)} for shards known to be done.
 *
 * <p><b>Threading.</b> Thread-safe: the same state may be shared by several subscriptions running at
 * once; each check-and-record is atomic (event ids and shards have separate locks).
 *
 * <pre>{@code
 * DedupeState state = DedupeState.create(DedupeOptions.builder().maxSize(50_000).build());
 * Flux.defer(() -> receiver.receive())
 *     .transform(Dedupe.bySequenceNumber(state))
 *     .concatMap(this::process)
 *     .retry()               // a replay after the retry is dropped (and acknowledged)
 *     .subscribe();
 * }</pre>
 */
public final class DedupeState {

    private final DedupeOptions options;
    private final long maxAgeMillis;

    /** Event id → first sighting (scheduler millis), in insertion order; guarded by itself. */
    private final LinkedHashMap<String, Long> eventIds = new LinkedHashMap<>();

    /** Shard id → highest sequence number emitted, in access order (LRU); guarded by itself. */
    private final LinkedHashMap<String, String> shards;

    /**
     * {@link DedupeOptions.RememberWhen#ACKNOWLEDGED}: shard id → the emitted records in flight and the
     * watermark below which every emitted record was acknowledged, in access order (LRU); guarded by itself.
     */
    private final LinkedHashMap<String, ShardTrack> tracks;

    /**
     * One shard's emitted records, in emission order ({@link AckWatermark}, a slot per record), and its
     * acknowledged watermark: the highest sequence number released, which a replay's lower one never lowers.
     */
    static final class ShardTrack {
        final AckWatermark<InFlight> inFlight = new AckWatermark<>();
        String watermark;
    }

    /** An emitted record of a tracked shard. */
    static final class InFlight extends AckWatermark.Slot {
        final String sequenceNumber;

        InFlight(String sequenceNumber) {
            this.sequenceNumber = sequenceNumber;
        }
    }

    private DedupeState(DedupeOptions options) {
        this.options = options;
        this.maxAgeMillis = options.maxAge().toMillis();
        int maxShards = options.maxShards();
        this.shards = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > maxShards;
            }
        };
        this.tracks = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ShardTrack> eldest) {
                return size() > maxShards;
            }
        };
    }

    /**
     * Empty state with these bounds.
     *
     * <pre>{@code
     * DedupeState state = DedupeState.create(DedupeOptions.builder().maxAge(Duration.ofMinutes(10)).build());
     * }</pre>
     */
    public static DedupeState create(DedupeOptions options) {
        return new DedupeState(Objects.requireNonNull(options, "options"));
    }

    /** Empty state with the default bounds ({@code DedupeState.create()}). */
    public static DedupeState create() {
        return create(DedupeOptions.builder().build());
    }

    /** The bounds and clock of this state. */
    public DedupeOptions options() {
        return options;
    }

    /** How many event ids are remembered now (expired ones are counted until the next record evicts them). */
    public int eventIdCount() {
        synchronized (eventIds) {
            return eventIds.size();
        }
    }

    /** How many shards are tracked now. */
    public int shardCount() {
        synchronized (shards) {
            synchronized (tracks) {
                return Math.max(shards.size(), tracks.size());
            }
        }
    }

    /**
     * For the shard, if tracked: the highest sequence number emitted (remembering when emitted), or the one
     * below which every emitted record was acknowledged (remembering when acknowledged).
     */
    public Optional<String> highestSequenceNumber(String shardId) {
        Objects.requireNonNull(shardId, "shardId");
        synchronized (shards) {
            if (shards.containsKey(shardId)) {
                return Optional.of(shards.get(shardId));
            }
        }
        synchronized (tracks) {
            ShardTrack track = tracks.get(shardId);
            return Optional.ofNullable(track == null ? null : track.watermark);
        }
    }

    /**
     * Stops tracking a shard, e.g. once it ended and was fully processed.
     *
     * <pre>{@code
     * state.forgetShard("shardId-00000001700000000000-abcdef12");
     * }</pre>
     */
    public void forgetShard(String shardId) {
        Objects.requireNonNull(shardId, "shardId");
        synchronized (shards) {
            shards.remove(shardId);
        }
        synchronized (tracks) {
            tracks.remove(shardId);
        }
    }

    /** Forgets everything. */
    public void clear() {
        synchronized (eventIds) {
            eventIds.clear();
        }
        synchronized (shards) {
            shards.clear();
        }
        synchronized (tracks) {
            tracks.clear();
        }
    }

    /**
     * Records an event id; {@code false} if it was already seen within the window (a duplicate). An empty id
     * (unknown) is never a duplicate and is not remembered.
     */
    boolean firstSighting(String eventId) {
        if (eventId.isEmpty()) {
            return true;
        }
        long now = options.scheduler().now(TimeUnit.MILLISECONDS);
        synchronized (eventIds) {
            evictExpired(now);
            Long seen = eventIds.get(eventId);
            if (seen != null) {
                if (now - seen < maxAgeMillis) {
                    return false;
                }
                // expired but not yet evicted (the clock went backwards earlier): a new sighting
                eventIds.remove(eventId);
            }
            eventIds.put(eventId, now);
            if (eventIds.size() > options.maxSize()) {
                Iterator<String> oldest = eventIds.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
            return true;
        }
    }

    private void evictExpired(long now) {
        if (eventIds.isEmpty()) {
            return;
        }
        Iterator<Long> it = eventIds.values().iterator();
        while (it.hasNext()) {
            if (now - it.next() < maxAgeMillis) {
                return; // insertion order: the rest is younger
            }
            it.remove();
        }
    }

    /**
     * Records a sequence number for its shard; {@code false} if it is at or below the highest one already
     * emitted for that shard (a replay).
     */
    boolean advance(String shardId, String sequenceNumber) {
        synchronized (shards) {
            String highest = shards.get(shardId);
            if (highest != null && SequenceNumbers.compare(sequenceNumber, highest) <= 0) {
                return false;
            }
            shards.put(shardId, sequenceNumber);
            return true;
        }
    }

    /** Whether the event id was acknowledged within the window (does not record it). */
    boolean seenEventId(String eventId) {
        if (eventId.isEmpty()) {
            return false;
        }
        long now = options.scheduler().now(TimeUnit.MILLISECONDS);
        synchronized (eventIds) {
            evictExpired(now);
            Long seen = eventIds.get(eventId);
            return seen != null && now - seen < maxAgeMillis;
        }
    }

    /** Whether the shard's records up to this sequence number were all acknowledged. */
    boolean acknowledgedUpTo(String shardId, String sequenceNumber) {
        synchronized (tracks) {
            ShardTrack track = tracks.get(shardId);
            return track != null && track.watermark != null
                    && SequenceNumbers.compare(sequenceNumber, track.watermark) <= 0;
        }
    }

    /**
     * Tracks an emitted record of a shard. A record at or below the last one emitted starts a replay (a new
     * subscription): the abandoned copies from there on are forgotten, so they cannot hold the watermark.
     */
    InFlight emitted(String shardId, String sequenceNumber) {
        synchronized (tracks) {
            ShardTrack track = tracks.computeIfAbsent(shardId, k -> new ShardTrack());
            track.inFlight.untrackLastWhile(
                    entry -> SequenceNumbers.compare(entry.sequenceNumber, sequenceNumber) >= 0);
            InFlight entry = new InFlight(sequenceNumber);
            track.inFlight.track(entry);
            return entry;
        }
    }

    /** A tracked record was acknowledged: the watermark moves over the acknowledged prefix. */
    void acknowledged(String shardId, InFlight entry) {
        synchronized (tracks) {
            ShardTrack track = tracks.get(shardId);
            if (track == null || !track.inFlight.acknowledge(entry)) {
                return; // the shard was forgotten, or the record abandoned by a replay or acknowledged before
            }
            InFlight released = track.inFlight.lastReleased();
            if (released != null && (track.watermark == null
                    || SequenceNumbers.compare(released.sequenceNumber, track.watermark) > 0)) {
                track.watermark = released.sequenceNumber;
            }
        }
    }

    @Override
    public String toString() {
        return "DedupeState{eventIds=" + eventIdCount() + ", shards=" + shardCount() + ", " + options + "}";
    }
}
