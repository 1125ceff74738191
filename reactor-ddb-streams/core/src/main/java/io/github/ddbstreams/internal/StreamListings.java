package io.github.ddbstreams.internal;

import java.time.Duration;
import java.util.function.Function;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;

/**
 * The one way this library follows the pages of a {@code DescribeStream} listing (the receiver's discovery, the KCL
 * import). {@code DescribeStream} allows 10 calls per second, shared by every reader of the stream (other workers'
 * children queries, a Lambda, the KCL); a stream with 24 h of closed shards has thousands (100 per page), and pages
 * sent back to back are throttled from the eleventh within a second, each retried attempt one more call. So each
 * next page is asked {@link #PAGE_GAP} after the previous one was answered: at most 5 calls per second, half the
 * limit (10,000 shards are listed in ~20 s).
 */
public final class StreamListings {

    /** The pause between a page's answer and the request of the next page: 200 ms. */
    public static final Duration PAGE_GAP = Duration.ofMillis(200);

    /**
     * A stream's periodic full listing comes at most once per this much per page of its last listing: 2 s, so
     * listings take at most half a call per second whatever the stream's size, the other half of the 1 call/s
     * budget left to the children queries at shard ends (the receiver's discovery).
     */
    public static final Duration PERIOD_PER_PAGE = Duration.ofSeconds(2);

    private StreamListings() {
    }

    /**
     * Every page of a listing, in order: {@code page} is called with {@code null} for the first page, then with the
     * previous page's {@code LastEvaluatedShardId}, {@link #PAGE_GAP} (on {@code scheduler}) after that page came.
     */
    public static Flux<DescribeStreamResponse> pages(Function<String, Mono<DescribeStreamResponse>> page,
            Scheduler scheduler) {
        return page.apply(null)
                .expand(previous -> {
                    String next = previous.streamDescription().lastEvaluatedShardId();
                    return next == null ? Mono.empty() : Mono.delay(PAGE_GAP, scheduler).then(page.apply(next));
                });
    }
}
