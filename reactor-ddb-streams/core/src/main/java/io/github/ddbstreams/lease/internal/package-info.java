/** Implementation of shard leases. Not an API: anything here may change in any release. */
package io.github.ddbstreams.lease.internal;
