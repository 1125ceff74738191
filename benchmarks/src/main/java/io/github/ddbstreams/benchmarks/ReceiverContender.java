package io.github.ddbstreams.benchmarks;

import java.time.Duration;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStore;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStoreOptions;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StartPosition;
import io.github.ddbstreams.record.ChangeRecord;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Contender (b): {@link DynamoDbStreamsReceiver} from TRIM_HORIZON with a {@link DynamoDbCheckpointStore} in
 * a fresh table, each record acknowledged after the sink (by default a no-op) has seen it; default options
 * (cost-aware pacing: at once after a full page, else at most one call per 250 ms, one per 2 s once idle;
 * commit every 5 s). The other receiver contenders change options: (bl) the low-latency pacing, (b') the
 * low-latency pacing with a fixed 250 ms pause after every empty response ({@code minPollInterval = pollInterval}).
 */
final class ReceiverContender implements Contender {

    private final LocalClients clients;
    private final String checkpointTable;
    private final Function<Flux<ChangeRecord>, Flux<ChangeRecord>> sink;
    private final UnaryOperator<ReceiverOptions.Builder> tuning;
    private Disposable subscription;

    /**
     * @param sink applied to the records before they are acknowledged: {@code Function.identity()} for a no-op
     *             sink, or a slow one
     * @param tuning options changed from the defaults ({@code UnaryOperator.identity()} for none)
     */
    ReceiverContender(LocalClients clients, String checkpointTable, Function<Flux<ChangeRecord>, Flux<ChangeRecord>> sink,
            UnaryOperator<ReceiverOptions.Builder> tuning) {
        this.clients = clients;
        this.checkpointTable = checkpointTable;
        this.sink = sink;
        this.tuning = tuning;
    }

    @Override
    public void start(String streamArn, RecordListener listener) {
        ReceiverOptions.Builder options = ReceiverOptions.builder()
                .streamsClient(clients.streams)
                .dynamoDbClient(clients.dynamoDb)
                .streamArn(streamArn)
                .startPosition(StartPosition.trimHorizon())
                .checkpointStore(DynamoDbCheckpointStore.create(DynamoDbCheckpointStoreOptions.builder()
                        .client(clients.dynamoDb)
                        .tableName(checkpointTable)
                        .build()));
        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(tuning.apply(options).build());
        subscription = receiver.receive()
                .transform(sink)
                .subscribe(record -> {
                    listener.onRecord(record.keys().get("pk").s());
                    record.checkpoint().acknowledge();
                });
    }

    @Override
    public void close() {
        if (subscription != null) {
            subscription.dispose();
            // the final commit runs asynchronously after cancel; give it a moment so it does not overlap the next run
            try {
                Thread.sleep(Duration.ofMillis(200).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
