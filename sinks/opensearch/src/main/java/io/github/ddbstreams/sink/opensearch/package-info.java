/**
 * The OpenSearch sink: writes change records to OpenSearch indices with the Bulk API of the opensearch-java
 * async client (INSERT/MODIFY index the new image, REMOVE deletes), versioned so that a replayed older
 * change never overwrites a newer document.
 */
package io.github.ddbstreams.sink.opensearch;
