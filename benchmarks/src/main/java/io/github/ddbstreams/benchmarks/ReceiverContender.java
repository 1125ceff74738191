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
 * (poll interval 250 ms after an empty response, commit every 5 s).
 */
final class ReceiverContender implements Contender {

    private final LocalClients clients;
    private final String checkpointTable;
    private final Function<Flux<ChangeRecord>, Flux<ChangeRecord>> sink;
    private Disposable subscription;

    /**
     * @param sink applied to the records before they are acknowledged: {@code Function.identity()} for a no-op
     *             sink, or a slow one
     */
    ReceiverContender(LocalClients clients, String checkpointTable, Function<Flux<ChangeRecord>, Flux<ChangeRecord>> sink) {
        this.clients = clients;
        this.checkpointTable = checkpointTable;
        this.sink = sink;
    }

    @Override
    public void start(String streamArn, RecordListener listener) {
        DynamoDbStreamsReceiver receiver = DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(clients.streams)
                .dynamoDbClient(clients.dynamoDb)
                .streamArn(streamArn)
                .startPosition(StartPosition.trimHorizon())
                .checkpointStore(DynamoDbCheckpointStore.create(DynamoDbCheckpointStoreOptions.builder()
                        .client(clients.dynamoDb)
                        .tableName(checkpointTable)
                        .build()))
                .build());
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
