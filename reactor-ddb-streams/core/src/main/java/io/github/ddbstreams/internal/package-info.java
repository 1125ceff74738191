/** Helpers shared by this library's packages. Not an API: anything here may change in any release. */
package io.github.ddbstreams.internal;
