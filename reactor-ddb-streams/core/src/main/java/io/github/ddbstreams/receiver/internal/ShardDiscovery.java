package io.github.ddbstreams.receiver.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.github.ddbstreams.internal.StreamListings;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StreamUnavailableException;
import io.github.ddbstreams.record.StreamArns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardFilter;
import software.amazon.awssdk.services.dynamodb.model.ShardFilterType;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * Finds the stream and its shards: the table's stream ARN (DescribeTable), every shard (paginated
 * DescribeStream, on the discovery interval) and, at a shard's end, just its children
 * (DescribeStream with {@code ShardFilter CHILD_SHARDS}), so a shard end costs one small call instead of a
 * description of the whole stream. With leases only the describer worker lists every shard; the others learn
 * them from the lease table ({@link ShardAssignment#shardsFromLeases(boolean)}).
 */
final class ShardDiscovery {

    private static final Logger log = LoggerFactory.getLogger(ShardDiscovery.class);
    /** Children may be listed shortly after their parent closes: asked again this many times, with backoff. */
    private static final int CHILD_ATTEMPTS = 4;
    private static final Duration CHILD_BACKOFF = Duration.ofMillis(250);
    /**
     * What DescribeStream showed.
     *
     * @param shards the shards listed
     * @param status the stream's status
     * @param tableName the table's name
     * @param complete whether this lists every shard of the stream (a full describe)
     * @param fromLeases whether the shards come from the lease table (a worker that is not the describer, or the
     *     describer at its start, see {@link ShardAssignment#shardsFromLeases(boolean)}): every shard with a lease,
     *     so a settled shard missing from it may be forgotten, but no proof that a shard left the stream
     */
    record Listing(List<Shard> shards, StreamStatus status, String tableName, boolean complete, boolean fromLeases) {

        Listing(List<Shard> shards, StreamStatus status, String tableName, boolean complete) {
            this(shards, status, tableName, complete, false);
        }
    }

    private final ReceiverOptions options;
    private final DynamoDbStreamsAsyncClient streams;
    private final DynamoDbAsyncClient dynamoDb;
    private final Faults.Observer observer;
    private final Supplier<ReceiverMetrics> metrics;
    private final Runnable answered;

    /**
     * @param answered told of every DescribeStream page answered (a listing of many pages, some throttled, may take
     *     longer than the start-up timeout: each page proves the service reached)
     */
    ShardDiscovery(ReceiverOptions options, DynamoDbStreamsAsyncClient streams, DynamoDbAsyncClient dynamoDb,
            Faults.Observer observer, Supplier<ReceiverMetrics> metrics, Runnable answered) {
        this.options = options;
        this.streams = streams;
        this.dynamoDb = dynamoDb;
        this.observer = observer;
        this.metrics = metrics;
        this.answered = answered;
    }

    /** The stream ARN: the option's, or the table's latest stream. */
    Mono<String> streamArn() {
        if (options.streamArn() != null) {
            return Mono.just(options.streamArn());
        }
        String table = options.tableName();
        return Mono.fromFuture(() -> dynamoDb.describeTable(b -> b.tableName(table)
                        .overrideConfiguration(Faults.ONE_RETRY_LAYER)))
                .retryWhen(Faults.retry(options, "DescribeTable " + table, observer))
                .onErrorMap(Faults::isResourceNotFound, e -> new StreamUnavailableException(
                        StreamUnavailableException.Reason.TABLE_NOT_FOUND,
                        "Table '" + table + "' does not exist", Faults.unwrap(e)))
                .flatMap(response -> streamOf(table, response));
    }

    private static Mono<String> streamOf(String table, DescribeTableResponse response) {
        var description = response.table();
        boolean enabled = description.streamSpecification() != null
                && Boolean.TRUE.equals(description.streamSpecification().streamEnabled());
        if (!enabled || description.latestStreamArn() == null) {
            return Mono.error(new StreamUnavailableException(StreamUnavailableException.Reason.STREAM_NOT_ENABLED,
                    "Table '" + table + "' has no stream enabled: enable one (e.g. StreamViewType NEW_AND_OLD_IMAGES)"
                            + " with UpdateTable", null));
        }
        return Mono.just(description.latestStreamArn());
    }

    /** The table name: the option's, or the one in a stream ARN ({@code arn:aws:dynamodb:region:account:table/NAME/stream/LABEL}). */
    static String tableOf(ReceiverOptions options, String arn) {
        if (options.tableName() != null) {
            return options.tableName();
        }
        return StreamArns.tableName(arn).orElse("unknown");
    }

    /** Every shard of the stream, all pages. */
    Mono<Listing> all(String arn) {
        return describe(arn, null).onErrorMap(Faults::isResourceNotFound, e -> notFound(arn, e));
    }

    /**
     * The children of a shard that just ended. Asked again with backoff while none is listed yet (then the
     * periodic full discovery finds them); falls back to a full describe when the service rejects the filter.
     */
    Mono<Listing> children(String arn, String parentShardId) {
        ShardFilter filter = ShardFilter.builder().type(ShardFilterType.CHILD_SHARDS).shardId(parentShardId).build();
        return describe(arn, filter)
                .map(listing -> new Listing(listing.shards().stream()
                        .filter(s -> parentShardId.equals(s.parentShardId())).toList(),
                        listing.status(), listing.tableName(), false))
                .flatMap(listing -> listing.shards().isEmpty() && listing.status() == StreamStatus.ENABLED
                        ? Mono.error(new NoChildrenYet()) : Mono.just(listing))
                .retryWhen(Retry.backoff(CHILD_ATTEMPTS - 1, CHILD_BACKOFF).scheduler(options.scheduler())
                        .filter(NoChildrenYet.class::isInstance))
                .onErrorResume(e -> e instanceof NoChildrenYet || e.getCause() instanceof NoChildrenYet, e -> Mono.empty())
                .onErrorResume(e -> !Faults.isResourceNotFound(e) && !Faults.isRetryable(e), e -> {
                    log.debug("DescribeStream with ShardFilter for the children of {} failed ({}); describing the"
                            + " whole stream instead", parentShardId, e.toString());
                    return all(arn);
                })
                .onErrorMap(Faults::isResourceNotFound, e -> notFound(arn, e));
    }

    private Mono<Listing> describe(String arn, ShardFilter filter) {
        return StreamListings.pages(start -> page(arn, filter, start), options.scheduler())
                .collectList()
                .map(pages -> {
                    List<Shard> shards = new ArrayList<>();
                    StreamStatus status = null;
                    String table = null;
                    for (DescribeStreamResponse page : pages) {
                        shards.addAll(page.streamDescription().shards());
                        status = page.streamDescription().streamStatus();
                        table = page.streamDescription().tableName();
                    }
                    return new Listing(shards, status, table, filter == null);
                });
    }

    private Mono<DescribeStreamResponse> page(String arn, ShardFilter filter, String exclusiveStartShardId) {
        return Mono.fromFuture(() -> {
                    metrics.get().describeStreamRequest(filter != null);
                    return streams.describeStream(b -> b.streamArn(arn).shardFilter(filter)
                            .exclusiveStartShardId(exclusiveStartShardId).overrideConfiguration(Faults.ONE_RETRY_LAYER));
                }, true)
                .retryWhen(Faults.retry(options, "DescribeStream " + arn, observer))
                .doOnNext(page -> answered.run());
    }

    private static StreamUnavailableException notFound(String arn, Throwable e) {
        return new StreamUnavailableException(StreamUnavailableException.Reason.STREAM_NOT_FOUND,
                "Stream " + arn + " does not exist", Faults.unwrap(e));
    }

    /** No child listed yet for a shard that ended. */
    private static final class NoChildrenYet extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoChildrenYet() {
            super("no child shard listed yet", null, false, false);
        }
    }
}
