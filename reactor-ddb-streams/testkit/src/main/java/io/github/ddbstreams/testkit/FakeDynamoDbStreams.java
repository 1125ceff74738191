package io.github.ddbstreams.testkit;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import reactor.core.scheduler.Scheduler;
import software.amazon.awssdk.arns.Arn;
import software.amazon.awssdk.arns.ArnResource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ListStreamsRequest;
import software.amazon.awssdk.services.dynamodb.model.ListStreamsResponse;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.SequenceNumberRange;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardFilter;
import software.amazon.awssdk.services.dynamodb.model.ShardFilterType;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.Stream;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * A scripted, stateful, thread-safe fake of {@link DynamoDbStreamsAsyncClient} for exact fault injection
 * in unit tests.
 *
 * <p>The fake holds one stream with shards the test adds, fills, closes, trims and removes; it answers
 * {@code DescribeStream}, {@code GetShardIterator}, {@code GetRecords} and {@code ListStreams} the way
 * DynamoDB Streams does (sequence numbers that do not fit a {@code long}, stateless iterators, a
 * {@code null} {@code NextShardIterator} only at the end of a closed shard, {@code ≤ 1000} records per
 * page, paginated shard lists). Every other operation of the interface keeps its default behaviour
 * ({@link UnsupportedOperationException}).
 *
 * <p><b>Time.</b> By default every call returns an <em>already completed</em> future, so a receiver under
 * {@code StepVerifier.withVirtualTime} sees answers synchronously. {@link #latency(Duration, Scheduler)}
 * delays every completion on a Reactor {@link Scheduler} (a {@code VirtualTimeScheduler} works). The answer
 * is computed when the call is made; only its delivery is delayed.
 *
 * <p><b>Faults.</b> {@link #failNext(Operation, String, int, Supplier)} queues errors that the next matching
 * calls return as failed futures (never thrown); {@link #expireIterators()} and {@link #trim(String, int)}
 * produce the service's own errors. Every call is logged, see {@link #calls()}.
 *
 * <p><b>Threading.</b> All methods are thread-safe; futures are completed outside the fake's lock.
 *
 * <pre>{@code
 * FakeDynamoDbStreams streams = FakeDynamoDbStreams.create()
 *         .addShard("shardId-1");
 * streams.putRecords("shardId-1", 3);
 * streams.failNext(Operation.GET_RECORDS, "shardId-1", 2, FakeDynamoDbStreams::throttling)
 *        .closeShard("shardId-1");
 *
 * // hand `streams` to the receiver under test as its DynamoDbStreamsAsyncClient, then:
 * assertThat(streams.count(Operation.GET_RECORDS, "shardId-1")).isEqualTo(3);
 * }</pre>
 */
public final class FakeDynamoDbStreams implements DynamoDbStreamsAsyncClient {

    /** The stream ARN used by {@link #create()}: table {@code Orders} on DynamoDB Local. */
    public static final String DEFAULT_STREAM_ARN =
            "arn:aws:dynamodb:ddblocal:000000000000:table/Orders/stream/2026-01-01T00:00:00.000";

    /** The default number of shards per {@code DescribeStream} page (the service maximum). */
    public static final int DEFAULT_DESCRIBE_STREAM_PAGE_SIZE = 100;

    /** The most records one {@code GetRecords} call returns (the service maximum). */
    public static final int MAX_GET_RECORDS_LIMIT = 1000;

    private static final BigInteger SEQUENCE_BASE = BigInteger.TEN.pow(25);
    private static final String SERVICE_ID = "DynamoDBStreams";
    private static final String ITERATOR_VERSION = "fake1";
    private static final String REGION = "ddblocal";

    private final Object lock = new Object();
    private final String streamArn;
    private final String tableName;
    private final String streamLabel;
    private final Instant creationTime;
    private final String instanceId = UUID.randomUUID().toString().substring(0, 8);

    // All guarded by lock.
    private final Map<String, ShardState> shards = new LinkedHashMap<>();
    private final List<String> creationOrder = new ArrayList<>();
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final List<Call> calls = new ArrayList<>();
    private long sequenceCounter;
    private long iteratorGeneration;
    private StreamStatus status = StreamStatus.ENABLED;
    private int describeStreamPageSize = DEFAULT_DESCRIBE_STREAM_PAGE_SIZE;
    private Duration latency = Duration.ZERO;
    private Scheduler scheduler;
    private Supplier<Instant> clock;
    private boolean closed;

    private static final String STREAM_QUALIFIER = "stream/";

    private FakeDynamoDbStreams(String streamArn) {
        this.streamArn = streamArn;
        ArnResource resource = streamResource(streamArn);
        this.tableName = resource.resource();
        this.streamLabel = resource.qualifier().orElseThrow().substring(STREAM_QUALIFIER.length());
        this.creationTime = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    /** The {@code table/NAME/stream/LABEL} resource of a stream ARN, parsed by the AWS SDK as the core does. */
    private static ArnResource streamResource(String streamArn) {
        ArnResource resource = null;
        try {
            resource = Arn.fromString(streamArn).resource();
        } catch (IllegalArgumentException notAnArn) {
            // refused below
        }
        if (resource == null || !resource.resourceType().filter("table"::equals).isPresent()
                || resource.resource().isEmpty()
                || !resource.qualifier().filter(q -> q.startsWith(STREAM_QUALIFIER)
                        && q.length() > STREAM_QUALIFIER.length()).isPresent()) {
            throw new IllegalArgumentException("streamArn must look like "
                    + "arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>, was '" + streamArn + "'");
        }
        return resource;
    }

    /**
     * Creates a fake with stream {@link #DEFAULT_STREAM_ARN} (table {@code Orders}, status {@code ENABLED},
     * view type {@code NEW_AND_OLD_IMAGES}) and no shards.
     *
     * <pre>{@code
     * FakeDynamoDbStreams streams = FakeDynamoDbStreams.create().addShard("shardId-1");
     * }</pre>
     */
    public static FakeDynamoDbStreams create() {
        return new FakeDynamoDbStreams(DEFAULT_STREAM_ARN);
    }

    /**
     * Creates a fake for the given stream ARN; the table name and stream label are taken from it.
     *
     * @throws IllegalArgumentException if the ARN has no {@code table/<name>/stream/<label>} part
     */
    public static FakeDynamoDbStreams create(String streamArn) {
        return new FakeDynamoDbStreams(Objects.requireNonNull(streamArn, "streamArn"));
    }

    /** The ARN of the fake's only stream. */
    public String streamArn() {
        return streamArn;
    }

    /** The table name taken from the stream ARN. */
    public String tableName() {
        return tableName;
    }

    // ------------------------------------------------------------------ scripting the stream

    /**
     * Adds an open root shard (no parent). Its starting sequence number is the next value of the stream's
     * sequence counter.
     *
     * @throws IllegalArgumentException if a shard with that id exists (or existed)
     * @throws IllegalStateException if the stream is disabled
     */
    public FakeDynamoDbStreams addShard(String shardId) {
        return addShard(shardId, null);
    }

    /**
     * Adds an open child shard of {@code parentShardId}. The parent need not exist in the fake (on the real
     * service a parent disappears 24 hours after it closed).
     *
     * <pre>{@code
     * streams.addShard("parent").closeShard("parent").addShard("child", "parent");
     * }</pre>
     */
    public FakeDynamoDbStreams addShard(String shardId, String parentShardId) {
        Objects.requireNonNull(shardId, "shardId");
        synchronized (lock) {
            if (creationOrder.contains(shardId)) {
                throw new IllegalArgumentException("shard '" + shardId + "' already exists");
            }
            if (status != StreamStatus.ENABLED) {
                throw new IllegalStateException("stream is " + status + ": no shard can be added");
            }
            shards.put(shardId, new ShardState(shardId, parentShardId, sequenceAt(sequenceCounter + 1)));
            creationOrder.add(shardId);
        }
        return this;
    }

    /**
     * Appends a record built from the arguments to an open shard and returns its sequence number.
     * Empty or {@code null} key/image maps are left unset in the {@link StreamRecord}.
     *
     * <pre>{@code
     * String seq = streams.putRecord("shardId-1", OperationType.MODIFY,
     *         Map.of("pk", AttributeValue.fromS("a")), oldImage, newImage);
     * }</pre>
     *
     * @throws IllegalArgumentException if the shard does not exist
     * @throws IllegalStateException if the shard is closed
     */
    public String putRecord(String shardId, OperationType op, Map<String, AttributeValue> keys,
                            Map<String, AttributeValue> oldImage, Map<String, AttributeValue> newImage) {
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(op, "op");
        synchronized (lock) {
            ShardState shard = openShard(shardId);
            String sequenceNumber = nextSequenceNumber();
            shard.append(buildRecord(op, keys, oldImage, newImage, sequenceNumber), new BigInteger(sequenceNumber));
            return sequenceNumber;
        }
    }

    /**
     * Appends {@code count} {@code INSERT} records to an open shard and returns their sequence numbers.
     * Record {@code n} (its 0-based position in the shard) has keys {@code {"pk": S "k<n>"}} and new image
     * {@code {"pk": S "k<n>", "n": N "<n>"}}.
     *
     * <pre>{@code
     * List<String> seqs = streams.putRecords("shardId-1", 5); // keys k0..k4
     * }</pre>
     */
    public List<String> putRecords(String shardId, int count) {
        Objects.requireNonNull(shardId, "shardId");
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        synchronized (lock) {
            ShardState shard = openShard(shardId);
            List<String> result = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int n = shard.records.size();
                AttributeValue key = AttributeValue.fromS("k" + n);
                Map<String, AttributeValue> keys = Map.of("pk", key);
                Map<String, AttributeValue> image = new LinkedHashMap<>();
                image.put("pk", key);
                image.put("n", AttributeValue.fromN(Integer.toString(n)));
                String sequenceNumber = nextSequenceNumber();
                shard.append(buildRecord(OperationType.INSERT, keys, null, image, sequenceNumber),
                        new BigInteger(sequenceNumber));
                result.add(sequenceNumber);
            }
            return List.copyOf(result);
        }
    }

    /**
     * Appends a fully built SDK record to an open shard as is, except that a missing
     * {@code dynamodb().sequenceNumber()} is assigned from the stream's counter. A given sequence number
     * must be a decimal number above the shard's last one; the counter moves past it.
     *
     * @throws IllegalArgumentException if the shard does not exist or the sequence number is invalid
     * @throws IllegalStateException if the shard is closed
     */
    public FakeDynamoDbStreams putRecord(String shardId, Record record) {
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(record, "record");
        synchronized (lock) {
            ShardState shard = openShard(shardId);
            StreamRecord streamRecord = record.dynamodb();
            String given = streamRecord == null ? null : streamRecord.sequenceNumber();
            BigInteger sequence;
            Record stored;
            if (given == null) {
                String assigned = nextSequenceNumber();
                sequence = new BigInteger(assigned);
                StreamRecord.Builder builder = streamRecord == null ? StreamRecord.builder() : streamRecord.toBuilder();
                stored = record.toBuilder().dynamodb(builder.sequenceNumber(assigned).build()).build();
            } else {
                sequence = parseSequence(given);
                if (sequence == null) {
                    throw new IllegalArgumentException("record sequence number must be decimal digits, was '"
                            + given + "'");
                }
                if (!shard.sequences.isEmpty() && sequence.compareTo(shard.lastSequence()) <= 0) {
                    throw new IllegalArgumentException("record sequence number " + given
                            + " must be above the shard's last one " + shard.lastSequence());
                }
                BigInteger counterValue = sequence.subtract(SEQUENCE_BASE);
                if (counterValue.compareTo(BigInteger.valueOf(sequenceCounter)) > 0
                        && counterValue.bitLength() < 63) {
                    sequenceCounter = counterValue.longValueExact();
                }
                stored = record;
            }
            shard.append(stored, sequence);
        }
        return this;
    }

    /**
     * Closes a shard: it gets an {@code EndingSequenceNumber} (its last record's, or its starting one if it
     * has none), takes no more records, and {@code GetRecords} returns a {@code null}
     * {@code NextShardIterator} once a page reaches its end. Closing a closed shard does nothing.
     */
    public FakeDynamoDbStreams closeShard(String shardId) {
        Objects.requireNonNull(shardId, "shardId");
        synchronized (lock) {
            existingShard(shardId).close();
        }
        return this;
    }

    /**
     * Removes a shard: it disappears from {@code DescribeStream}, and {@code GetShardIterator} or
     * {@code GetRecords} on it fail with {@code ResourceNotFoundException} (as when a closed shard passes the
     * 24-hour retention).
     */
    public FakeDynamoDbStreams removeShard(String shardId) {
        Objects.requireNonNull(shardId, "shardId");
        synchronized (lock) {
            existingShard(shardId);
            shards.remove(shardId);
        }
        return this;
    }

    /**
     * Trims the first {@code count} records of a shard (an absolute count: trimming never shrinks, and is
     * capped at the shard's size). Afterwards {@code TRIM_HORIZON} starts after them;
     * {@code AT_SEQUENCE_NUMBER}/{@code AFTER_SEQUENCE_NUMBER} on a trimmed record and {@code GetRecords}
     * with an iterator pointing into trimmed data fail with {@code TrimmedDataAccessException}.
     *
     * <pre>{@code
     * streams.putRecords("shardId-1", 10);
     * streams.trim("shardId-1", 4); // TRIM_HORIZON now starts at k4
     * }</pre>
     */
    public FakeDynamoDbStreams trim(String shardId, int count) {
        Objects.requireNonNull(shardId, "shardId");
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        synchronized (lock) {
            ShardState shard = existingShard(shardId);
            shard.trimmed = Math.max(shard.trimmed, Math.min(count, shard.records.size()));
        }
        return this;
    }

    /** Disables the stream: status {@code DISABLED}, every open shard closed. Shards stay readable. */
    public FakeDynamoDbStreams disableStream() {
        synchronized (lock) {
            status = StreamStatus.DISABLED;
            shards.values().forEach(ShardState::close);
        }
        return this;
    }

    /**
     * Expires every iterator issued so far: each fails with {@code ExpiredIteratorException} on any later
     * {@code GetRecords}. Iterators issued afterwards are valid.
     */
    public FakeDynamoDbStreams expireIterators() {
        synchronized (lock) {
            iteratorGeneration++;
        }
        return this;
    }

    /**
     * Sets the number of shards per {@code DescribeStream} page (default
     * {@value #DEFAULT_DESCRIBE_STREAM_PAGE_SIZE}); a smaller request {@code limit} wins.
     */
    public FakeDynamoDbStreams describeStreamPageSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("describeStreamPageSize must be >= 1, was " + n);
        }
        synchronized (lock) {
            describeStreamPageSize = n;
        }
        return this;
    }

    /**
     * Makes the next {@code times} calls of {@code op} fail with a fresh error from {@code error}, returned
     * as a failed future. With a shard id only calls on that shard match (for {@code GET_RECORDS} the shard
     * encoded in the iterator); with {@code null} any call of {@code op} matches. Queued faults apply in FIFO
     * order, and are consumed before the call's normal processing.
     *
     * <pre>{@code
     * streams.failNext(Operation.GET_RECORDS, null, 2, FakeDynamoDbStreams::throttling)
     *        .failNext(Operation.GET_RECORDS, null, 1, FakeDynamoDbStreams::expiredIterator);
     * }</pre>
     */
    public FakeDynamoDbStreams failNext(Operation op, String shardIdOrNull, int times,
                                        Supplier<? extends Throwable> error) {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(error, "error");
        if (times < 1) {
            throw new IllegalArgumentException("times must be >= 1, was " + times);
        }
        synchronized (lock) {
            faults.addLast(new Fault(op, shardIdOrNull, times, error));
        }
        return this;
    }

    /**
     * Completes every future {@code delay} after the call on {@code scheduler} ({@link Duration#ZERO}, the
     * default, completes it before returning). While set, the scheduler's clock also stamps {@link Call#at()}
     * and (unless {@link #clock(Supplier)} was set) {@code ApproximateCreationDateTime}.
     *
     * <pre>{@code
     * VirtualTimeScheduler vts = VirtualTimeScheduler.getOrSet();
     * streams.latency(Duration.ofMillis(20), vts);
     * }</pre>
     */
    public FakeDynamoDbStreams latency(Duration delay, Scheduler scheduler) {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(scheduler, "scheduler");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        synchronized (lock) {
            this.latency = delay;
            this.scheduler = scheduler;
        }
        return this;
    }

    /**
     * Sets the clock stamping {@code ApproximateCreationDateTime} of records built by the fake. It wins over
     * a latency scheduler's clock; without either, {@code Instant.now()} truncated to seconds is used.
     */
    public FakeDynamoDbStreams clock(Supplier<Instant> clock) {
        Objects.requireNonNull(clock, "clock");
        synchronized (lock) {
            this.clock = clock;
        }
        return this;
    }

    // ------------------------------------------------------------------ inspection

    /** An immutable snapshot of every call made so far (failed ones included), in order. */
    public List<Call> calls() {
        synchronized (lock) {
            return List.copyOf(calls);
        }
    }

    /** The number of logged calls of {@code op}. */
    public long count(Operation op) {
        Objects.requireNonNull(op, "op");
        synchronized (lock) {
            return calls.stream().filter(c -> c.operation() == op).count();
        }
    }

    /** The number of logged calls of {@code op} on {@code shardId}. */
    public long count(Operation op, String shardId) {
        Objects.requireNonNull(op, "op");
        synchronized (lock) {
            return calls.stream().filter(c -> c.operation() == op && Objects.equals(c.shardId(), shardId)).count();
        }
    }

    /** Forgets every logged call. */
    public void clearCalls() {
        synchronized (lock) {
            calls.clear();
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Every record ever put to a shard (trimmed ones included), in order. */
    public List<Record> records(String shardId) {
        Objects.requireNonNull(shardId, "shardId");
        synchronized (lock) {
            return List.copyOf(existingShard(shardId).records);
        }
    }

    /** The ids of the shards {@code DescribeStream} lists, in creation order. */
    public List<String> shardIds() {
        synchronized (lock) {
            return List.copyOf(shards.keySet());
        }
    }

    /** The number of faults queued by {@link #failNext} not yet consumed (each counts its remaining times). */
    public int pendingFaults() {
        synchronized (lock) {
            return faults.stream().mapToInt(f -> f.remaining).sum();
        }
    }

    // ------------------------------------------------------------------ canned errors

    /** A {@code LimitExceededException} (status 400), as the service throttles. */
    public static SdkException throttling() {
        String message = "Rate exceeded for shard";
        return LimitExceededException.builder().message(message).statusCode(400)
                .awsErrorDetails(details("LimitExceededException", message)).build();
    }

    /** An {@code InternalServerErrorException} (status 500). */
    public static SdkException internalError() {
        String message = "The server encountered an internal error trying to fulfill the request";
        return InternalServerErrorException.builder().message(message).statusCode(500)
                .awsErrorDetails(details("InternalServerError", message)).build();
    }

    /** An {@code ExpiredIteratorException} (status 400). */
    public static SdkException expiredIterator() {
        String message = "Iterator expired. The iterator was created more than 15 minutes ago";
        return ExpiredIteratorException.builder().message(message).statusCode(400)
                .awsErrorDetails(details("ExpiredIteratorException", message)).build();
    }

    /** A {@code TrimmedDataAccessException} (status 400). */
    public static SdkException trimmedData() {
        return trimmedData("The operation attempted to read past the oldest stream record in a shard");
    }

    private static SdkException trimmedData(String message) {
        return TrimmedDataAccessException.builder().message(message).statusCode(400)
                .awsErrorDetails(details("TrimmedDataAccessException", message)).build();
    }

    private static SdkException resourceNotFound(String message) {
        return ResourceNotFoundException.builder().message(message).statusCode(400)
                .awsErrorDetails(details("ResourceNotFoundException", message)).build();
    }

    /** A 400 {@code ValidationException}: the SDK has no class for it, so it is a plain DynamoDbException. */
    private static SdkException validation(String message) {
        return DynamoDbException.builder().message(message).statusCode(400)
                .awsErrorDetails(details("ValidationException", message)).build();
    }

    private static AwsErrorDetails details(String code, String message) {
        return AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName(SERVICE_ID).build();
    }

    // ------------------------------------------------------------------ the client

    @Override
    public CompletableFuture<DescribeStreamResponse> describeStream(DescribeStreamRequest request) {
        return describeStream(request, null);
    }

    @Override
    public CompletableFuture<GetShardIteratorResponse> getShardIterator(GetShardIteratorRequest request) {
        return getShardIterator(request, null);
    }

    @Override
    public CompletableFuture<GetRecordsResponse> getRecords(GetRecordsRequest request) {
        return getRecords(request, null);
    }

    @Override
    public CompletableFuture<ListStreamsResponse> listStreams(ListStreamsRequest request) {
        return listStreams(request, null);
    }

    private CompletableFuture<DescribeStreamResponse> describeStream(DescribeStreamRequest request, String caller) {
        Objects.requireNonNull(request, "request");
        return call(Operation.DESCRIBE_STREAM, null, request, caller, () -> doDescribeStream(request));
    }

    private CompletableFuture<GetShardIteratorResponse> getShardIterator(GetShardIteratorRequest request, String caller) {
        Objects.requireNonNull(request, "request");
        return call(Operation.GET_SHARD_ITERATOR, request.shardId(), request, caller, () -> doGetShardIterator(request));
    }

    private CompletableFuture<GetRecordsResponse> getRecords(GetRecordsRequest request, String caller) {
        Objects.requireNonNull(request, "request");
        IteratorPosition position = decode(request.shardIterator());
        return call(Operation.GET_RECORDS, position == null ? null : position.shardId, request, caller,
                () -> doGetRecords(request, position));
    }

    private CompletableFuture<ListStreamsResponse> listStreams(ListStreamsRequest request, String caller) {
        Objects.requireNonNull(request, "request");
        return call(Operation.LIST_STREAMS, null, request, caller, () -> doListStreams(request));
    }

    /**
     * A client over this fake whose calls are logged with {@code caller} in {@link Call#caller()}: give one to
     * each worker of a test to tell from the call log who read what. Closing it does not close the fake.
     *
     * <pre>{@code
     * DynamoDbStreamsAsyncClient worker1 = fake.clientFor("worker-1");
     * }</pre>
     */
    public DynamoDbStreamsAsyncClient clientFor(String caller) {
        Objects.requireNonNull(caller, "caller");
        FakeDynamoDbStreams fake = this;
        return new DynamoDbStreamsAsyncClient() {
            @Override
            public CompletableFuture<DescribeStreamResponse> describeStream(DescribeStreamRequest request) {
                return fake.describeStream(request, caller);
            }

            @Override
            public CompletableFuture<GetShardIteratorResponse> getShardIterator(GetShardIteratorRequest request) {
                return fake.getShardIterator(request, caller);
            }

            @Override
            public CompletableFuture<GetRecordsResponse> getRecords(GetRecordsRequest request) {
                return fake.getRecords(request, caller);
            }

            @Override
            public CompletableFuture<ListStreamsResponse> listStreams(ListStreamsRequest request) {
                return fake.listStreams(request, caller);
            }

            @Override
            public String serviceName() {
                return SERVICE_NAME;
            }

            @Override
            public void close() {
            }

            @Override
            public String toString() {
                return "FakeDynamoDbStreams.clientFor(" + caller + ")";
            }
        };
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    /** Marks the fake closed; later calls fail with {@link IllegalStateException}. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
    }

    private <T> CompletableFuture<T> call(Operation op, String shardId, SdkRequest request, String caller,
            Supplier<T> action) {
        T result = null;
        Throwable error = null;
        Duration delay;
        Scheduler delayScheduler;
        synchronized (lock) {
            Instant at = now();
            if (closed) {
                error = new IllegalStateException("FakeDynamoDbStreams is closed");
            } else {
                Fault fault = takeFault(op, shardId);
                if (fault != null) {
                    error = fault.error.get();
                    if (error == null) {
                        error = new IllegalStateException("failNext error supplier returned null");
                    }
                } else {
                    try {
                        result = action.get();
                    } catch (RuntimeException e) { // service errors, and never a thrown exception to the caller
                        error = e;
                    }
                }
            }
            calls.add(new Call(op, shardId, request, at, error != null, caller));
            delay = latency;
            delayScheduler = scheduler;
        }
        if (delay.isZero() || delayScheduler == null) {
            return error == null ? CompletableFuture.completedFuture(result) : CompletableFuture.failedFuture(error);
        }
        CompletableFuture<T> future = new CompletableFuture<>();
        T finalResult = result;
        Throwable finalError = error;
        try {
            delayScheduler.schedule(() -> {
                if (finalError == null) {
                    future.complete(finalResult);
                } else {
                    future.completeExceptionally(finalError);
                }
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RuntimeException rejected) {
            future.completeExceptionally(rejected);
        }
        return future;
    }

    private Fault takeFault(Operation op, String shardId) {
        for (Iterator<Fault> it = faults.iterator(); it.hasNext(); ) {
            Fault fault = it.next();
            if (fault.operation == op && (fault.shardId == null || fault.shardId.equals(shardId))) {
                if (--fault.remaining == 0) {
                    it.remove();
                }
                return fault;
            }
        }
        return null;
    }

    private DescribeStreamResponse doDescribeStream(DescribeStreamRequest request) {
        requireStream(request.streamArn());
        int pageSize = describeStreamPageSize;
        if (request.limit() != null) {
            if (request.limit() < 1 || request.limit() > 100) {
                throw validation("1 validation error detected: Value '" + request.limit()
                        + "' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100");
            }
            pageSize = Math.min(pageSize, request.limit());
        }
        int start = 0;
        if (request.exclusiveStartShardId() != null) {
            int index = creationOrder.indexOf(request.exclusiveStartShardId());
            if (index < 0) {
                throw validation("Invalid ExclusiveStartShardId: " + request.exclusiveStartShardId());
            }
            start = index + 1;
        }
        ShardFilter filter = request.shardFilter();
        String parentFilter = null;
        if (filter != null) {
            if (filter.type() != ShardFilterType.CHILD_SHARDS || filter.shardId() == null) {
                throw validation("Invalid ShardFilter: " + filter);
            }
            parentFilter = filter.shardId();
        }
        List<Shard> page = new ArrayList<>();
        String lastEvaluated = null;
        for (int i = start; i < creationOrder.size(); i++) {
            ShardState shard = shards.get(creationOrder.get(i));
            if (shard == null || (parentFilter != null && !parentFilter.equals(shard.parentId))) {
                continue;
            }
            if (page.size() == pageSize) {
                lastEvaluated = page.get(page.size() - 1).shardId();
                break;
            }
            page.add(shard.toShard());
        }
        StreamDescription description = StreamDescription.builder()
                .streamArn(streamArn)
                .streamLabel(streamLabel)
                .streamStatus(status)
                .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)
                .creationRequestDateTime(creationTime)
                .tableName(tableName)
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .shards(page)
                .lastEvaluatedShardId(lastEvaluated)
                .build();
        return DescribeStreamResponse.builder().streamDescription(description).build();
    }

    private GetShardIteratorResponse doGetShardIterator(GetShardIteratorRequest request) {
        requireStream(request.streamArn());
        if (request.shardId() == null) {
            throw validation("1 validation error detected: Value null at 'shardId' failed to satisfy constraint: "
                    + "Member must not be null");
        }
        ShardState shard = shards.get(request.shardId());
        if (shard == null) {
            throw resourceNotFound("Requested resource not found: Shard does not exist");
        }
        if (request.shardIteratorType() == null
                || request.shardIteratorType() == ShardIteratorType.UNKNOWN_TO_SDK_VERSION) {
            throw validation("1 validation error detected: Value '" + request.shardIteratorTypeAsString()
                    + "' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: "
                    + "[AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]");
        }
        int position;
        switch (request.shardIteratorType()) {
            case TRIM_HORIZON:
                position = shard.trimmed;
                break;
            case LATEST:
                position = shard.records.size();
                break;
            case AT_SEQUENCE_NUMBER:
            case AFTER_SEQUENCE_NUMBER:
                int index = shard.indexOf(request.sequenceNumber());
                if (index < 0) {
                    throw validation("Invalid SequenceNumber: " + request.sequenceNumber()
                            + " is not a sequence number of shard " + shard.id);
                }
                if (index < shard.trimmed) {
                    throw trimmedData("Attempted to access a sequence number that is beyond the trim horizon: "
                            + request.sequenceNumber());
                }
                position = request.shardIteratorType() == ShardIteratorType.AT_SEQUENCE_NUMBER ? index : index + 1;
                break;
            default:
                throw validation("Unsupported ShardIteratorType " + request.shardIteratorType());
        }
        return GetShardIteratorResponse.builder().shardIterator(encode(shard.id, position)).build();
    }

    private GetRecordsResponse doGetRecords(GetRecordsRequest request, IteratorPosition position) {
        if (position == null) {
            throw validation("Invalid ShardIterator");
        }
        int limit = MAX_GET_RECORDS_LIMIT;
        if (request.limit() != null) {
            if (request.limit() < 1 || request.limit() > MAX_GET_RECORDS_LIMIT) {
                throw validation("1 validation error detected: Value '" + request.limit()
                        + "' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000");
            }
            limit = request.limit();
        }
        ShardState shard = shards.get(position.shardId);
        if (shard == null) {
            throw resourceNotFound("Requested resource not found: Shard does not exist");
        }
        if (position.generation < iteratorGeneration) {
            throw expiredIterator();
        }
        if (position.position < shard.trimmed) {
            throw trimmedData();
        }
        if (position.position > shard.records.size()) {
            throw validation("Invalid ShardIterator");
        }
        int end = Math.min(shard.records.size(), position.position + limit);
        List<Record> page = List.copyOf(shard.records.subList(position.position, end));
        String next = shard.closed && end == shard.records.size() ? null : encode(shard.id, end);
        return GetRecordsResponse.builder().records(page).nextShardIterator(next).build();
    }

    private ListStreamsResponse doListStreams(ListStreamsRequest request) {
        if (request.limit() != null && request.limit() < 1) {
            throw validation("1 validation error detected: Value '" + request.limit()
                    + "' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
        }
        boolean tableMatches = request.tableName() == null || request.tableName().equals(tableName);
        boolean afterStart = request.exclusiveStartStreamArn() == null;
        List<Stream> streams = tableMatches && afterStart
                ? List.of(Stream.builder().streamArn(streamArn).tableName(tableName).streamLabel(streamLabel).build())
                : List.of();
        return ListStreamsResponse.builder().streams(streams).build();
    }

    // ------------------------------------------------------------------ helpers (callers hold lock)

    private void requireStream(String arn) {
        if (arn == null) {
            throw validation("1 validation error detected: Value null at 'streamArn' failed to satisfy constraint: "
                    + "Member must not be null");
        }
        if (!streamArn.equals(arn)) {
            throw resourceNotFound("Requested resource not found: Stream: " + arn + " not found");
        }
    }

    private ShardState existingShard(String shardId) {
        ShardState shard = shards.get(shardId);
        if (shard == null) {
            throw new IllegalArgumentException("no shard '" + shardId + "'");
        }
        return shard;
    }

    private ShardState openShard(String shardId) {
        ShardState shard = existingShard(shardId);
        if (shard.closed) {
            throw new IllegalStateException("shard '" + shardId + "' is closed");
        }
        return shard;
    }

    private String nextSequenceNumber() {
        sequenceCounter++;
        return sequenceAt(sequenceCounter);
    }

    private static String sequenceAt(long counter) {
        return SEQUENCE_BASE.add(BigInteger.valueOf(counter)).toString();
    }

    private static BigInteger parseSequence(String s) {
        if (s == null || s.isEmpty() || s.length() > 64) {
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

    private Instant now() {
        return scheduler == null ? Instant.now() : Instant.EPOCH.plusNanos(scheduler.now(TimeUnit.NANOSECONDS));
    }

    private Instant recordTime() {
        if (clock != null) {
            return clock.get();
        }
        if (scheduler != null) {
            return now();
        }
        return Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    private Record buildRecord(OperationType op, Map<String, AttributeValue> keys, Map<String, AttributeValue> oldImage,
                               Map<String, AttributeValue> newImage, String sequenceNumber) {
        StreamRecord.Builder streamRecord = StreamRecord.builder()
                .approximateCreationDateTime(recordTime())
                .sequenceNumber(sequenceNumber)
                .sizeBytes(size(keys) + size(oldImage) + size(newImage))
                .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES);
        if (keys != null && !keys.isEmpty()) {
            streamRecord.keys(keys);
        }
        if (oldImage != null && !oldImage.isEmpty()) {
            streamRecord.oldImage(oldImage);
        }
        if (newImage != null && !newImage.isEmpty()) {
            streamRecord.newImage(newImage);
        }
        return Record.builder()
                .eventID(UUID.randomUUID().toString())
                .eventName(op)
                .eventVersion("1.1")
                .eventSource("aws:dynamodb")
                .awsRegion(REGION)
                .dynamodb(streamRecord.build())
                .build();
    }

    private static long size(Map<String, AttributeValue> item) {
        if (item == null) {
            return 0;
        }
        long size = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            size += e.getKey().length() + size(e.getValue());
        }
        return size;
    }

    private static long size(AttributeValue v) {
        if (v == null) {
            return 0;
        }
        if (v.s() != null) {
            return v.s().length();
        }
        if (v.n() != null) {
            return v.n().length();
        }
        if (v.b() != null) {
            return v.b().asByteArrayUnsafe().length;
        }
        if (v.hasSs()) {
            return v.ss().stream().mapToLong(String::length).sum();
        }
        if (v.hasNs()) {
            return v.ns().stream().mapToLong(String::length).sum();
        }
        if (v.hasBs()) {
            return v.bs().stream().mapToLong(b -> b.asByteArrayUnsafe().length).sum();
        }
        if (v.hasM()) {
            return size(v.m());
        }
        if (v.hasL()) {
            return v.l().stream().mapToLong(FakeDynamoDbStreams::size).sum();
        }
        return 1; // BOOL, NULL
    }

    // Iterators are stateless: everything needed to serve them is in the string itself.
    private String encode(String shardId, int position) {
        String plain = ITERATOR_VERSION + "|" + instanceId + "|" + iteratorGeneration + "|" + position + "|" + shardId;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    private IteratorPosition decode(String iterator) {
        if (iterator == null || iterator.isEmpty()) {
            return null;
        }
        try {
            String plain = new String(Base64.getUrlDecoder().decode(iterator), StandardCharsets.UTF_8);
            String[] parts = plain.split("\\|", 5);
            if (parts.length != 5 || !ITERATOR_VERSION.equals(parts[0]) || !instanceId.equals(parts[1])) {
                return null;
            }
            long generation = Long.parseLong(parts[2]);
            int position = Integer.parseInt(parts[3]);
            if (generation < 0 || position < 0 || parts[4].isEmpty()) {
                return null;
            }
            return new IteratorPosition(parts[4], position, generation);
        } catch (IllegalArgumentException garbled) { // includes NumberFormatException
            return null;
        }
    }

    // ------------------------------------------------------------------ types

    /** The operations the fake serves; used to script faults and to count calls. */
    public enum Operation {
        /** {@code DescribeStream}. */
        DESCRIBE_STREAM,
        /** {@code GetShardIterator}. */
        GET_SHARD_ITERATOR,
        /** {@code GetRecords}. */
        GET_RECORDS,
        /** {@code ListStreams}. */
        LIST_STREAMS
    }

    /**
     * One logged call.
     *
     * @param operation the operation called
     * @param shardId   the shard it addressed ({@code GetShardIterator}: the request's; {@code GetRecords}: the
     *                  one decoded from the iterator, {@code null} if it could not be decoded); {@code null} for
     *                  stream-level operations
     * @param request   the request as received
     * @param at        when the call was made: the latency scheduler's clock if one is set, else
     *                  {@code Instant.now()}
     * @param failed    whether the call's future completed (or will complete) exceptionally
     * @param caller    who called, for calls made through {@link #clientFor(String)}, else {@code null}
     */
    public record Call(Operation operation, String shardId, SdkRequest request, Instant at, boolean failed,
            String caller) {
    }

    private record IteratorPosition(String shardId, int position, long generation) {
    }

    private static final class Fault {
        final Operation operation;
        final String shardId;
        final Supplier<? extends Throwable> error;
        int remaining;

        Fault(Operation operation, String shardId, int remaining, Supplier<? extends Throwable> error) {
            this.operation = operation;
            this.shardId = shardId;
            this.remaining = remaining;
            this.error = error;
        }
    }

    private static final class ShardState {
        final String id;
        final String parentId;
        final String startingSequenceNumber;
        final List<Record> records = new ArrayList<>();
        final List<BigInteger> sequences = new ArrayList<>();
        int trimmed;
        boolean closed;
        String endingSequenceNumber;

        ShardState(String id, String parentId, String startingSequenceNumber) {
            this.id = id;
            this.parentId = parentId;
            this.startingSequenceNumber = startingSequenceNumber;
        }

        void append(Record record, BigInteger sequence) {
            records.add(record);
            sequences.add(sequence);
        }

        BigInteger lastSequence() {
            return sequences.get(sequences.size() - 1);
        }

        int indexOf(String sequenceNumber) {
            BigInteger sequence = parseSequence(sequenceNumber);
            if (sequence == null) {
                return -1;
            }
            int index = Collections.binarySearch(sequences, sequence);
            return index < 0 ? -1 : index;
        }

        void close() {
            if (!closed) {
                closed = true;
                endingSequenceNumber = records.isEmpty()
                        ? startingSequenceNumber
                        : records.get(records.size() - 1).dynamodb().sequenceNumber();
            }
        }

        Shard toShard() {
            return Shard.builder()
                    .shardId(id)
                    .parentShardId(parentId)
                    .sequenceNumberRange(SequenceNumberRange.builder()
                            .startingSequenceNumber(startingSequenceNumber)
                            .endingSequenceNumber(endingSequenceNumber)
                            .build())
                    .build();
        }
    }
}
