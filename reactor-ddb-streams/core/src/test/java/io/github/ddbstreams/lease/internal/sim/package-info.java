/**
 * A deterministic simulation of the lease protocol (STYLE 12): a simulated lease table with DynamoDB's
 * conditional writes behind a {@code DynamoDbAsyncClient}, workers' clocks that pause and die, and
 * {@code LeaseSimulation} driving {@code LeaseCoordinator}s on one virtual clock with faults drawn from one seed.
 */
package io.github.ddbstreams.lease.internal.sim;
