/**
 * Operators over {@code Flux<ChangeRecord>}, applied with {@code transform} / {@code transformDeferred}:
 * delta, dedupe, Lambda-style filters, batching, per-key parallelism, retries with bisect and failure
 * destinations, tumbling windows. Every operator keeps the checkpoint contract: a record it drops, filters
 * or routes to a failure destination is acknowledged; a record still in flight is never acknowledged early.
 */
package io.github.ddbstreams.operators;
