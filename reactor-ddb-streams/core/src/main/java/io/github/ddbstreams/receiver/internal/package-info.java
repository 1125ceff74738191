/**
 * Implementation of the receiver, one class per step of its data path:
 * {@code ShardDiscovery} (DescribeStream) → {@code ShardAssignment} (which shard starts, and from where: one
 * worker or leases) → {@code ShardPoller} (GetShardIterator, GetRecords, pauses, expiry, trimmed data) →
 * {@code RecordEmitter} (merged or per shard, within demand) → the subscriber acknowledges →
 * {@code ShardCheckpointer} (watermark) → {@code CheckpointCommitter} (store). {@code ReceiverSession} is the
 * serialized loop that holds them together; its {@code CallSlots} bound the pollers' calls in flight
 * ({@code maxConcurrentCalls}). Not part of the public API.
 */
@Internal
package io.github.ddbstreams.receiver.internal;

import io.github.ddbstreams.Internal;
