package io.github.ddbstreams.operators.errors;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.ddbstreams.record.RecordCheckpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The checkpoint of a replayed record: acknowledging it marks its failure item replayed, once.
 *
 * <p>The mark is conditional on the item's {@code failedAt} being the one read: when the record failed again
 * during its replay, the destination rewrote the item with a new {@code failedAt}, and that new failure stays
 * unreplayed (as does an item deleted meanwhile).
 */
final class ReplayCheckpoint implements RecordCheckpoint {

    private static final Logger log = LoggerFactory.getLogger(ReplayCheckpoint.class);

    private final AtomicBoolean acknowledged = new AtomicBoolean();
    private final Mono<Void> mark;

    ReplayCheckpoint(DynamoDbAsyncClient client, String tableName, Map<String, AttributeValue> key, String failedAt,
            Clock clock) {
        this.mark = Mono.defer(() -> Mono.fromFuture(client.updateItem(r -> r.tableName(tableName).key(key)
                        .updateExpression("SET #replayedAt = :now, #replayCount = if_not_exists(#replayCount, :zero) + :one")
                        .conditionExpression("#failedAt = :failedAt")
                        .expressionAttributeNames(Map.of(
                                "#replayedAt", DynamoDbFailureDestination.REPLAYED_AT,
                                "#replayCount", DynamoDbFailureDestination.REPLAY_COUNT,
                                "#failedAt", DynamoDbFailureDestination.FAILED_AT))
                        .expressionAttributeValues(Map.of(
                                ":now", AttributeValue.fromS(clock.instant().toString()),
                                ":zero", AttributeValue.fromN("0"),
                                ":one", AttributeValue.fromN("1"),
                                ":failedAt", AttributeValue.fromS(failedAt))))))
                .then()
                .onErrorResume(ConditionalCheckFailedException.class, e -> {
                    log.info("Failure {} in table '{}' changed during its replay (failed again, or deleted): not marked "
                            + "replayed", key.get(DynamoDbFailureDestination.SEQUENCE_NUMBER).s(), tableName);
                    return Mono.empty();
                })
                .cache();
    }

    /** Starts writing the replayed mark (once); a failing write is logged, {@link #commit()} reports it. */
    @Override
    public void acknowledge() {
        if (acknowledged.compareAndSet(false, true)) {
            mark.subscribe(null, error -> log.warn("Could not mark a replayed failure in its table: {}", error.toString()));
        }
    }

    /** Acknowledges and completes once the replayed mark is written. */
    @Override
    public Mono<Void> commit() {
        return Mono.defer(() -> {
            acknowledge();
            return mark;
        });
    }

    @Override
    public boolean isAcknowledged() {
        return acknowledged.get();
    }

    @Override
    public String toString() {
        return "ReplayCheckpoint{acknowledged=" + acknowledged.get() + "}";
    }
}
