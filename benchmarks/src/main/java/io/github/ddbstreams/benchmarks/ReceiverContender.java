package io.github.ddbstreams.benchmarks;

import java.time.Duration;
import java.util.function.Function;

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
 * (pauses after empty responses from 31 ms up to the 250 ms poll interval, commit every 5 s). Contender (b')
 * is the same with a fixed 250 ms pause after every empty response ({@code minPollInterval = pollInterval}).
 */
final class ReceiverContender implements Contender {

    private final LocalClients clients;
    private final String checkpointTable;
    private final Function<Flux<ChangeRecord>, Flux<ChangeRecord>> sink;
    private final Duration minPollInterval;
    private Disposable subscription;

    /**
     * @param sink applied to the records before they are acknowledged: {@code Function.identity()} for a no-op
     *             sink, or a slow one
     * @param minPollInterval {@code null} for the default; the poll interval for a fixed pause
     */
    ReceiverContender(LocalClients clients, String checkpointTable, Function<Flux<ChangeRecord>, Flux<ChangeRecord>> sink,
            Duration minPollInterval) {
        this.clients = clients;
        this.checkpointTable = checkpointTable;
        this.sink = sink;
        this.minPollInterval = minPollInterval;
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
        if (minPollInterval != null) {
            options.minPollInterval(minPollInterval);
        }
        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(options.build());
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
