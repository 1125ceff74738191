/**
 * Error handling around a sink or any batch work, like Lambda's event source mapping:
 * {@link io.github.ddbstreams.operators.errors.ErrorHandling} retries with backoff, bisects failing batches,
 * gives up a record after {@code maxAttempts} or {@code maxRecordAge} as a
 * {@link io.github.ddbstreams.operators.errors.FailedRecord} sent to a
 * {@link io.github.ddbstreams.operators.errors.FailureDestination} (such as
 * {@link io.github.ddbstreams.operators.errors.DynamoDbFailureDestination}), and acknowledges every record once
 * processed or stored; {@link io.github.ddbstreams.operators.errors.FailureReplay} reads a DynamoDB failure
 * destination back to run its records through the pipeline again. Nothing is skipped silently: without a
 * destination a given-up record fails the Flux with a
 * {@link io.github.ddbstreams.operators.errors.FailedRecordException}.
 *
 * <pre>{@code
 * ErrorHandlingOptions options = ErrorHandlingOptions.builder()
 *     .maxAttempts(5).bisectOnError(true)
 *     .failureDestination(DynamoDbFailureDestination.create(DynamoDbFailureDestinationOptions.builder()
 *         .client(dynamoDb).tableName("orders-indexer-failures").build()))
 *     .build();
 * receiver.receive()
 *     .transform(Batching.batches(batchOptions))
 *     .transform(ErrorHandling.process(options, sink::write))
 *     .subscribe();
 * }</pre>
 */
package io.github.ddbstreams.operators.errors;
