/**
 * Checkpoint stores: where a receiver commits, per shard, the sequence number below which every record
 * was acknowledged, so that a new receiver resumes after it. In memory or in a DynamoDB table.
 */
package io.github.ddbstreams.checkpoint;
