/**
 * Several workers sharing one stream: shard leases kept in a DynamoDB table, the way the Kinesis Client
 * Library does it. Enable with {@link io.github.ddbstreams.receiver.ReceiverOptions.Builder#leases(LeaseOptions)}.
 */
package io.github.ddbstreams.lease;
