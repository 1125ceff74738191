/**
 * Implementation of the receiver. Not an API: anything here may change in any release.
 */
package io.github.ddbstreams.receiver.internal;
