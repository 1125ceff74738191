package io.github.ddbstreams.receiver.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.ReceiverStopSignal;
import io.github.ddbstreams.record.ChangeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.GroupedFlux;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.utils.SdkAutoCloseable;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/** The receiver: each subscription starts a new {@link ReceiverSession}. */
public final class DefaultDynamoDbStreamsReceiver implements DynamoDbStreamsReceiver {

    private static final Logger log = LoggerFactory.getLogger(DefaultDynamoDbStreamsReceiver.class);

    private final ReceiverOptions options;
    private final CheckpointStore store;

    public DefaultDynamoDbStreamsReceiver(ReceiverOptions options) {
        this.options = options;
        // Without a store of the user's, successive subscriptions of this receiver still resume.
        this.store = options.checkpointStore() != null ? options.checkpointStore() : CheckpointStore.inMemory();
    }

    @Override
    public Flux<ChangeRecord> receive() {
        return Flux.create(sink -> newSession(sink, null).start(), FluxSink.OverflowStrategy.BUFFER);
    }

    @Override
    public Flux<GroupedFlux<String, ChangeRecord>> receivePerShard() {
        return Flux.create(sink -> newSession(null, sink).start(), FluxSink.OverflowStrategy.BUFFER);
    }

    private ReceiverSession newSession(FluxSink<ChangeRecord> sink, FluxSink<GroupedFlux<String, ChangeRecord>> groups) {
        List<SdkAutoCloseable> owned = new ArrayList<>();
        DynamoDbStreamsAsyncClient streams = options.streamsClient();
        if (streams == null) {
            // sized so that no call of the receiver waits for a pooled connection (maxConcurrentCalls)
            streams = DynamoDbStreamsAsyncClient.builder()
                    .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                            .maxConcurrency(options.maxConcurrentCalls() + ReceiverOptions.DISCOVERY_CONNECTIONS))
                    .build();
            owned.add(streams);
        }
        DynamoDbAsyncClient dynamoDb = options.dynamoDbClient();
        if (dynamoDb == null && options.tableName() != null) {
            dynamoDb = DynamoDbAsyncClient.create();
            owned.add(dynamoDb);
        }
        // run by the session once stopped: after its final commit and lease release
        Optional<ReceiverStopSignal> stopSignal = ReceiverStopSignal.in(
                sink != null ? sink.contextView() : groups.contextView());
        Runnable closeOwned = () -> {
            try {
                for (SdkAutoCloseable resource : owned) {
                    try {
                        resource.close();
                    } catch (RuntimeException e) {
                        log.warn("Closing {} failed", resource, e);
                    }
                }
            } finally {
                stopSignal.ifPresent(ReceiverStopSignal::stopped);
            }
        };
        // the emitter needs the session's loop, which needs the emitter: tie the knot through a holder
        ReceiverSession[] session = new ReceiverSession[1];
        RecordEmitter emitter = sink != null ? new MergedEmitter(sink)
                : new PerShardEmitter(groups, task -> session[0].post(task));
        session[0] = new ReceiverSession(options, streams, dynamoDb, store, closeOwned, emitter);
        return session[0];
    }

    @Override
    public ReceiverOptions options() {
        return options;
    }

    @Override
    public String toString() {
        return "DynamoDbStreamsReceiver{" + options + "}";
    }
}
