/**
 * Moving to this library from another stream consumer without re-reading the stream: {@link
 * io.github.ddbstreams.migration.KclLeaseTableImport} reads the lease table of a KCL application (KCL 1.x with the
 * DynamoDB Streams Kinesis adapter, KCL 2/3 with adapter 2, single- or multi-stream, KCL 3.5 single-table) once,
 * turns it into a plan (shard → where it resumes) and seeds a {@link io.github.ddbstreams.checkpoint.CheckpointStore}
 * ({@code seeding}) or, with several workers, the lease table ({@code initialCheckpoints}, see
 * {@link io.github.ddbstreams.lease.LeaseOptions.Builder#initialCheckpoints}) with it at the first start.
 */
package io.github.ddbstreams.migration;
