/**
 * The reactive DynamoDB Streams receiver: {@link io.github.ddbstreams.receiver.DynamoDbStreamsReceiver},
 * its {@link io.github.ddbstreams.receiver.ReceiverOptions}, start positions and the errors it signals.
 */
package io.github.ddbstreams.receiver;
