/** Implementation of shard leases. Not an API: anything here may change in any release. */
@Internal
package io.github.ddbstreams.lease.internal;

import io.github.ddbstreams.Internal;
