package io.github.ddbstreams.receiver.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StreamUnavailableException;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;
import software.amazon.awssdk.core.SdkClient;

/**
 * Fails a receiver that never reached the service within {@code startupTimeout}, naming the endpoint and
 * the last failure; once any call succeeded (a DescribeStream page, a discovery, or a throttled answer), outages are
 * retried as configured.
 */
final class StartupWatch {

    private final ReceiverOptions options;
    private final SdkClient streams;
    private final SdkClient dynamoDb;
    private volatile boolean reached;
    private volatile Throwable lastFailure;

    StartupWatch(ReceiverOptions options, SdkClient streams, SdkClient dynamoDb) {
        this.options = options;
        this.streams = streams;
        this.dynamoDb = dynamoDb;
    }

    /** Starts the timer; {@code onTimeout} gets the error if no call succeeded in time. */
    Disposable start(Scheduler scheduler, Consumer<Throwable> onTimeout) {
        if (options.startupTimeout() == null) {
            return Disposables.disposed();
        }
        return scheduler.schedule(() -> {
            if (!reached) {
                onTimeout.accept(timeoutError());
            }
        }, options.startupTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A call succeeded: the service is reachable. */
    void reached() {
        reached = true;
    }

    /**
     * A call failed and will be retried. A throttled call counts as reached: the service answered, so the endpoint,
     * region and credentials are right (DescribeStream's 10 calls/s are shared by every reader of the stream).
     */
    void failed(Throwable failure, boolean throttled) {
        if (throttled) {
            reached = true;
        } else if (!reached) {
            lastFailure = failure;
        }
    }

    private StreamUnavailableException timeoutError() {
        Throwable cause = lastFailure;
        StringBuilder message = new StringBuilder("No call to DynamoDB Streams succeeded within startupTimeout (")
                .append(options.startupTimeout()).append("): streams endpoint ").append(endpoint(streams));
        if (options.streamArn() == null && dynamoDb != null) {
            message.append(", DynamoDB endpoint ").append(endpoint(dynamoDb));
        }
        message.append(cause == null ? "; no response at all" : "; last failure: " + cause);
        message.append(". Check the endpoint, region, credentials and network; the receiver gave up");
        return new StreamUnavailableException(StreamUnavailableException.Reason.SERVICE_UNREACHABLE, message.toString(),
                cause);
    }

    /** The endpoint override, else the region the client resolves its endpoint from. */
    static String endpoint(SdkClient client) {
        try {
            var configuration = client.serviceClientConfiguration();
            return configuration.endpointOverride().map(Object::toString)
                    .orElseGet(() -> "of region " + regionOf(configuration));
        } catch (RuntimeException e) {
            return client.serviceName() + " (" + client.getClass().getSimpleName() + ")";
        }
    }

    private static String regionOf(Object configuration) {
        if (configuration instanceof software.amazon.awssdk.awscore.AwsServiceClientConfiguration aws) {
            return String.valueOf(aws.region());
        }
        return "unknown";
    }
}
