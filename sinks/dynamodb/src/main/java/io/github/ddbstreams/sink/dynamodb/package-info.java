/**
 * The replica table sink: replays change records into another DynamoDB table (any region or endpoint) with
 * conditional writes on the stored change position, so that the replica never regresses.
 */
package io.github.ddbstreams.sink.dynamodb;
