package io.github.ddbstreams.testkit;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The state of the one stream a {@link SimulatedStreamsService} serves: shards (hash ranges of the key space),
 * their records, lineage, rotation, splits, retention, iterators and the service limits. Every method runs
 * under the service's single lock; times are service milliseconds (the compressed clock) except where named
 * {@code realNanos}.
 */
final class SimulatedStream {

    static final long HASH_SPACE = 1L << 32;
    static final int MAX_RECORDS = 1000;
    static final long MAX_BYTES = 1024 * 1024;
    private static final BigInteger SEQUENCE_BASE = BigInteger.TEN.pow(20);
    private static final String ITERATOR_VERSION = "sim1";

    /** One stream record, stored compactly; its JSON is built when it is read. */
    record Rec(long seq, String key, long version, long createdMs, int sizeBytes) {
    }

    static final class SimShard {
        final String id;
        final String parentId;
        final long lo;
        final long hi;
        final long startSeq;
        final long createdMs;
        long rotateAtMs;
        long endSeq = -1;
        long closedAtMs = -1;
        final ArrayList<Rec> records = new ArrayList<>();
        /** Records before this index are trimmed (past retention). */
        int trimmed;
        /** Iterator chain id → real nanos it was last seen in a GetRecords call. */
        final Map<Long, Long> readers = new HashMap<>();

        SimShard(String id, String parentId, long lo, long hi, long startSeq, long createdMs) {
            this.id = id;
            this.parentId = parentId;
            this.lo = lo;
            this.hi = hi;
            this.startSeq = startSeq;
            this.createdMs = createdMs;
        }

        boolean closed() {
            return endSeq >= 0;
        }
    }

    record Position(String shardId, int index, long issuedMs, long chain) {
    }

    /** A service error: the JSON {@code __type} and {@code Message}, HTTP status. */
    static final class ServiceError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String type;
        final int status;

        ServiceError(String type, int status, String message) {
            super(message, null, false, false);
            this.type = type;
            this.status = status;
        }
    }

    static final String DDB = "com.amazonaws.dynamodb.v20120810#";

    static ServiceError validation(String message) {
        return new ServiceError("com.amazon.coral.validate#ValidationException", 400, message);
    }

    static ServiceError notFound(String message) {
        return new ServiceError(DDB + "ResourceNotFoundException", 400, message);
    }

    static ServiceError expired(String message) {
        return new ServiceError(DDB + "ExpiredIteratorException", 400, message);
    }

    static ServiceError trimmedData(String message) {
        return new ServiceError(DDB + "TrimmedDataAccessException", 400, message);
    }

    static ServiceError limitExceeded(String message) {
        return new ServiceError(DDB + "LimitExceededException", 400, message);
    }

    final String streamArn;
    final String tableName;
    final String streamLabel;
    final long creationMs;
    private final String instance;
    private final Random random;
    private final SimulatedStreamsService.Settings settings;

    final Map<String, SimShard> shards = new LinkedHashMap<>();
    private final Map<String, Long> creationIndex = new HashMap<>();
    private final TreeMap<Long, SimShard> byCreation = new TreeMap<>();
    private final Map<String, List<SimShard>> children = new HashMap<>();
    private final TreeMap<Long, SimShard> openByLo = new TreeMap<>();
    private final Map<String, Long> versions = new HashMap<>();
    private final ArrayDeque<Long> describeCalls = new ArrayDeque<>();
    private long sequence;
    private long created;
    private long chains;

    SimulatedStream(SimulatedStreamsService.Settings settings, long nowMs, Random random) {
        this.settings = settings;
        this.random = random;
        this.tableName = settings.tableName;
        this.streamLabel = java.time.Instant.ofEpochMilli(nowMs).toString().replace("Z", "");
        this.streamArn = "arn:aws:dynamodb:" + settings.region + ":000000000000:table/" + tableName + "/stream/"
                + streamLabel;
        this.creationMs = nowMs;
        this.instance = Long.toHexString(random.nextLong());
        long rotation = settings.rotationPeriod.toMillis();
        for (int i = 0; i < settings.partitions; i++) {
            long lo = HASH_SPACE * i / settings.partitions;
            long hi = HASH_SPACE * (i + 1) / settings.partitions;
            SimShard shard = newShard(null, lo, hi, nowMs);
            // Real partitions do not rotate in step: spread the first rotation over one period.
            shard.rotateAtMs = rotation <= 0 ? Long.MAX_VALUE : nowMs + 1 + (long) (random.nextDouble() * rotation);
        }
    }

    private SimShard newShard(String parentId, long lo, long hi, long nowMs) {
        String id = String.format("shardId-%020d-%08x", nowMs, random.nextInt());
        SimShard shard = new SimShard(id, parentId, lo, hi, sequence + 1, nowMs);
        long rotation = settings.rotationPeriod.toMillis();
        shard.rotateAtMs = rotation <= 0 ? Long.MAX_VALUE : nowMs + rotation;
        shards.put(id, shard);
        creationIndex.put(id, created);
        byCreation.put(created++, shard);
        if (parentId != null) {
            children.computeIfAbsent(parentId, k -> new ArrayList<>()).add(shard);
        }
        openByLo.put(lo, shard);
        return shard;
    }

    static long hash(String key) {
        long h = key.hashCode() * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return h & (HASH_SPACE - 1);
    }

    static String sequenceNumber(long seq) {
        return SEQUENCE_BASE.add(BigInteger.valueOf(seq)).toString();
    }

    /** Appends one write of {@code key} to the open shard owning its hash; returns the record. */
    Rec write(String key, long nowMs) {
        SimShard shard = openByLo.floorEntry(hash(key)).getValue();
        long version = versions.merge(key, 1L, Long::sum);
        Rec rec = new Rec(++sequence, key, version, nowMs, settings.itemSizeBytes + key.length() * 2 + 16);
        shard.records.add(rec);
        return rec;
    }

    /** Rotates (or splits) every open shard whose time has come, and applies retention. */
    void advance(long nowMs) {
        List<SimShard> due = new ArrayList<>();
        for (SimShard shard : openByLo.values()) {
            if (shard.rotateAtMs <= nowMs) {
                due.add(shard);
            }
        }
        for (SimShard shard : due) {
            rotate(shard, nowMs, random.nextDouble() < settings.splitProbability);
        }
        applyRetention(nowMs);
    }

    void rotateAll(long nowMs, boolean split) {
        for (SimShard shard : new ArrayList<>(openByLo.values())) {
            rotate(shard, nowMs, split);
        }
    }

    private void rotate(SimShard shard, long nowMs, boolean split) {
        openByLo.remove(shard.lo);
        shard.endSeq = shard.records.isEmpty() ? shard.startSeq : shard.records.get(shard.records.size() - 1).seq;
        // Sequence numbers of a child start after its parent's end, even when the parent is empty.
        sequence = Math.max(sequence, shard.endSeq);
        shard.closedAtMs = nowMs;
        if (split && shard.hi - shard.lo >= 2) {
            long mid = shard.lo + (shard.hi - shard.lo) / 2;
            newShard(shard.id, shard.lo, mid, nowMs);
            newShard(shard.id, mid, shard.hi, nowMs);
        } else {
            newShard(shard.id, shard.lo, shard.hi, nowMs);
        }
    }

    private void applyRetention(long nowMs) {
        long horizon = nowMs - settings.retention.toMillis();
        for (Iterator<Map.Entry<Long, SimShard>> it = byCreation.entrySet().iterator(); it.hasNext(); ) {
            SimShard shard = it.next().getValue();
            if (shard.closed() && shard.closedAtMs < horizon) {
                it.remove();
                shards.remove(shard.id);
                children.remove(shard.id);
                continue;
            }
            if (shard.createdMs >= horizon) {
                break; // shards are in creation order: none later has anything past retention
            }
            while (shard.trimmed < shard.records.size() && shard.records.get(shard.trimmed).createdMs < horizon) {
                shard.trimmed++;
            }
        }
    }

    int shardCount() {
        return shards.size();
    }

    int openShardCount() {
        return openByLo.size();
    }

    // ------------------------------------------------------------------ the four operations

    void checkDescribeLimit(long realNanos) {
        int limit = settings.describeStreamLimitPerSecond;
        if (limit <= 0) {
            return;
        }
        while (!describeCalls.isEmpty() && realNanos - describeCalls.peekFirst() >= 1_000_000_000L) {
            describeCalls.pollFirst();
        }
        if (describeCalls.size() >= limit) {
            throw limitExceeded("Rate exceeded for DescribeStream: at most " + limit + " calls per second");
        }
        describeCalls.addLast(realNanos);
    }

    void requireStream(String arn) {
        if (arn == null) {
            throw validation("1 validation error detected: Value null at 'streamArn' failed to satisfy constraint: "
                    + "Member must not be null");
        }
        if (!streamArn.equals(arn)) {
            throw notFound("Requested resource not found: Stream: " + arn + " not found");
        }
    }

    /** One DescribeStream page: the shards and the last evaluated id (null on the last page). */
    record Page(List<SimShard> shards, String lastEvaluatedShardId) {
    }

    Page describe(Integer limit, String exclusiveStartShardId, String childrenOf) {
        int pageSize = 100;
        if (limit != null) {
            if (limit < 1 || limit > 100) {
                throw validation("1 validation error detected: Value '" + limit
                        + "' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100");
            }
            pageSize = limit;
        }
        Iterable<SimShard> source;
        if (childrenOf != null) {
            source = children.getOrDefault(childrenOf, List.of());
        } else {
            long from = 0;
            if (exclusiveStartShardId != null) {
                Long index = creationIndex.get(exclusiveStartShardId);
                if (index == null) {
                    throw validation("Invalid ExclusiveStartShardId: " + exclusiveStartShardId);
                }
                from = index + 1;
            }
            source = byCreation.tailMap(from, true).values();
        }
        List<SimShard> page = new ArrayList<>();
        boolean started = childrenOf == null || exclusiveStartShardId == null;
        String last = null;
        for (SimShard shard : source) {
            if (!started) {
                started = shard.id.equals(exclusiveStartShardId);
                continue;
            }
            if (page.size() == pageSize) {
                last = page.get(page.size() - 1).id;
                break;
            }
            page.add(shard);
        }
        return new Page(page, last);
    }

    String shardIterator(String arn, String shardId, String type, String sequenceNumber, long nowMs) {
        if (arn != null && !streamArn.equals(arn)) {
            throw notFound("Stream does not exist"); // DynamoDB Local's message here, unlike DescribeStream's
        }
        requireStream(arn);
        if (shardId == null) {
            throw validation("1 validation error detected: Value null at 'shardId' failed to satisfy constraint: "
                    + "Member must not be null");
        }
        SimShard shard = shards.get(shardId);
        if (shard == null) {
            throw notFound("Shard does not exist");
        }
        int index;
        switch (type == null ? "" : type) {
            case "TRIM_HORIZON":
                index = shard.trimmed;
                break;
            case "LATEST":
                index = shard.records.size();
                break;
            case "AT_SEQUENCE_NUMBER":
            case "AFTER_SEQUENCE_NUMBER":
                BigInteger wanted = parseSequence(sequenceNumber);
                if (wanted == null) {
                    throw validation("Invalid SequenceNumber: " + sequenceNumber);
                }
                BigInteger first = SEQUENCE_BASE.add(BigInteger.valueOf(shard.startSeq));
                BigInteger end = shard.closed() ? SEQUENCE_BASE.add(BigInteger.valueOf(shard.endSeq)) : null;
                if (wanted.compareTo(first) < 0 || (end != null && wanted.compareTo(end) > 0)) {
                    throw validation("Invalid SequenceNumber " + sequenceNumber + " for shard " + shardId);
                }
                long seq = wanted.subtract(SEQUENCE_BASE).longValueExact();
                index = lowerBound(shard.records, seq, type.equals("AFTER_SEQUENCE_NUMBER"));
                if (index < shard.trimmed) {
                    throw trimmedData("Attempted to access a sequence number that is beyond the trim horizon: "
                            + sequenceNumber);
                }
                break;
            default:
                throw validation("1 validation error detected: Value '" + type
                        + "' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value "
                        + "set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]");
        }
        return encode(new Position(shardId, index, nowMs, ++chains));
    }

    /** The records of one GetRecords call and the next iterator (null at the end of a closed shard). */
    record Read(List<Rec> records, String nextIterator, String shardId) {
    }

    Read getRecords(String iterator, Integer limit, long nowMs, long realNanos) {
        Position position = decode(iterator);
        if (position == null) {
            throw validation("Invalid ShardIterator");
        }
        int max = MAX_RECORDS;
        if (limit != null) { // the messages DynamoDB Local sends
            if (limit < 1) {
                throw validation("1 validation error detected: Value '" + limit
                        + "' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
            }
            if (limit > MAX_RECORDS) {
                throw validation("One or more parameter values were invalid: Limit should be less than or equal to "
                        + MAX_RECORDS);
            }
            max = limit;
        }
        SimShard shard = shards.get(position.shardId());
        if (shard == null) {
            throw notFound("Requested resource not found: Shard does not exist");
        }
        if (nowMs - position.issuedMs() > settings.iteratorLifetime.toMillis()) {
            throw expired("Iterator expired. The iterator was created at time "
                    + java.time.Instant.ofEpochMilli(position.issuedMs()) + " while right now it is "
                    + java.time.Instant.ofEpochMilli(nowMs) + " which is further in the future than the tolerated delay of "
                    + settings.iteratorLifetime.toMillis() + " milliseconds.");
        }
        checkReaders(shard, position.chain(), realNanos);
        if (position.index() < shard.trimmed) {
            throw trimmedData("The operation attempted to read past the oldest stream record in a shard");
        }
        if (position.index() > shard.records.size()) {
            throw validation("Invalid ShardIterator");
        }
        List<Rec> page = new ArrayList<>();
        long bytes = 0;
        int i = position.index();
        while (i < shard.records.size() && page.size() < max) {
            Rec rec = shard.records.get(i);
            if (!page.isEmpty() && bytes + rec.sizeBytes() > MAX_BYTES) {
                break;
            }
            bytes += rec.sizeBytes();
            page.add(rec);
            i++;
        }
        String next = shard.closed() && i == shard.records.size()
                ? null : encode(new Position(shard.id, i, nowMs, position.chain()));
        return new Read(page, next, shard.id);
    }

    private void checkReaders(SimShard shard, long chain, long realNanos) {
        int max = settings.maxReadersPerShard;
        if (max <= 0) {
            return;
        }
        long window = settings.readerWindow.toNanos();
        shard.readers.values().removeIf(seen -> realNanos - seen > window);
        if (!shard.readers.containsKey(chain) && shard.readers.size() >= max) {
            throw limitExceeded("More than " + max + " readers of shard " + shard.id + " in the last "
                    + settings.readerWindow.toMillis() + " ms");
        }
        shard.readers.put(chain, realNanos);
    }

    private static int lowerBound(List<Rec> records, long seq, boolean after) {
        int lo = 0;
        int hi = records.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            long s = records.get(mid).seq();
            if (after ? s <= seq : s < seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static BigInteger parseSequence(String s) {
        if (s == null || s.isEmpty() || s.length() > 40) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        return new BigInteger(s);
    }

    // Iterators are stateless: everything needed to serve one is in the string.
    private String encode(Position p) {
        String plain = ITERATOR_VERSION + "|" + instance + "|" + p.issuedMs() + "|" + p.index() + "|" + p.chain()
                + "|" + p.shardId();
        return streamArn + "|1|" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    private Position decode(String iterator) {
        if (iterator == null || !iterator.startsWith(streamArn + "|1|")) {
            return null;
        }
        try {
            String plain = new String(Base64.getUrlDecoder().decode(iterator.substring(streamArn.length() + 3)),
                    StandardCharsets.UTF_8);
            String[] parts = plain.split("\\|", 6);
            if (parts.length != 6 || !ITERATOR_VERSION.equals(parts[0]) || !instance.equals(parts[1])) {
                return null;
            }
            int index = Integer.parseInt(parts[3]);
            return index < 0 ? null
                    : new Position(parts[5], index, Long.parseLong(parts[2]), Long.parseLong(parts[4]));
        } catch (IllegalArgumentException garbled) { // includes NumberFormatException
            return null;
        }
    }
}
