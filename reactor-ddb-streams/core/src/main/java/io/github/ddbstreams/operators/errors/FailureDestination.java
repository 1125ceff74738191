package io.github.ddbstreams.operators.errors;

import java.util.List;

import reactor.core.publisher.Mono;

/**
 * Where records that cannot be processed go, so that the stream moves on without losing them (like
 * Lambda's on-failure destination, but with the <b>full record</b>, not only its position). A record is
 * acknowledged only once its destination write completed.
 *
 * <pre>{@code
 * FailureDestination destination = DynamoDbFailureDestination.create(
 *     DynamoDbFailureDestinationOptions.builder().client(dynamoDb).tableName("orders-failures").build());
 * }</pre>
 */
public interface FailureDestination {

    /**
     * Stores failed records durably.
     *
     * @return a Mono completing once every record is stored, or failing when any could not be
     */
    Mono<Void> send(List<FailedRecord> failures);
}
