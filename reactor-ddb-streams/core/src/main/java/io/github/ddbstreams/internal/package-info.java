/** Helpers shared by this library's packages. Not an API: anything here may change in any release. */
@Internal
package io.github.ddbstreams.internal;

import io.github.ddbstreams.Internal;
