/**
 * Operators over {@code Flux<ChangeRecord>}, applied with {@code transform} / {@code transformDeferred}, one
 * feature per package:
 * <ul>
 *   <li>{@link io.github.ddbstreams.operators.filter} — Lambda-style filter patterns;</li>
 *   <li>{@link io.github.ddbstreams.operators.delta} — attribute-level deltas, and keeping the records that
 *       changed given attributes;</li>
 *   <li>{@link io.github.ddbstreams.operators.dedupe} — dropping duplicates by event id or sequence number;</li>
 *   <li>{@link io.github.ddbstreams.operators.batch} — batching (the {@link io.github.ddbstreams.sink.RecordBatch}es
 *       a sink writes) and tumbling windows;</li>
 *   <li>{@link io.github.ddbstreams.operators.parallel} — per-key parallelism;</li>
 *   <li>{@link io.github.ddbstreams.operators.errors} — retries with bisect, failure destinations, and
 *       {@link io.github.ddbstreams.operators.errors.FailureReplay}, which reads a DynamoDB failure destination
 *       back as records to run through a pipeline again.</li>
 * </ul>
 * Every operator keeps the checkpoint contract: a record it drops, filters or routes to a failure destination is
 * acknowledged; a record still in flight is never acknowledged early.
 *
 * <p><b>Reactor's conventions.</b> The operators are {@link reactor.core.Scannable} like reactor-core's own
 * ({@code Scannable.from(subscription).scan(Attr.BUFFERED)} and so on): the ones built of reactor-core operators
 * (filters, delta, dedupe, error handling) through those; batching, windows and per-key parallelism answer
 * {@code PARENT}, {@code ACTUAL}, {@code PREFETCH}, {@code REQUESTED_FROM_DOWNSTREAM}, {@code BUFFERED} (records
 * held), {@code CANCELLED}, {@code TERMINATED}, {@code ERROR} and {@code RUN_STYLE} themselves.
 *
 * <p><b>Discarded records.</b> What an operator drops without emitting it goes to the discard hook of the
 * subscriber's context ({@code Operators.onDiscard}), which {@link reactor.core.publisher.Flux#doOnDiscard}
 * sets; the hook is found in the context, so place {@code doOnDiscard} <em>after</em> (below) the operator:
 * <pre>{@code
 * receiver.receive()
 *     .transform(Batching.batches(options))
 *     .doOnDiscard(ChangeRecord.class, r -> log.debug("dropped unprocessed {}", r))
 *     .concatMap(batch -> sink.write(batch).doOnSuccess(result -> batch.acknowledge()))
 * }</pre>
 * Two kinds of records reach it, told apart by {@code record.checkpoint().isAcknowledged()}:
 * <ul>
 *   <li>Records dropped on purpose, as {@code Flux#filter} discards what it filters out: filtered out,
 *       duplicates, deltas not computable under the {@code DROP} policy. They are acknowledged first, per the
 *       contract above.</li>
 *   <li>Records dropped because the Flux stopped: on cancel, the records a batching, window, per-key or
 *       error-handling operator holds (batched, waiting for their key, running, waiting to retry); on an error
 *       that fails the Flux, those of per-key parallelism and of the error handling's batches in flight; and a
 *       record arriving after that. These were not processed and are <b>not acknowledged</b>: the shard's
 *       checkpoint stays before them, and they are read again after a restart. The hook lets an application
 *       release or count them; it must not acknowledge them. (One exception: records whose per-key work had
 *       completed, and which only waited for downstream demand, were acknowledged then.)</li>
 * </ul>
 * A window keeps no records, so {@link io.github.ddbstreams.operators.batch.Windows} discards each window it
 * drops as a {@link io.github.ddbstreams.operators.batch.WindowResult} instead. Batches of the error handling's
 * output that were fully processed are discarded by its {@code flatMap} as
 * {@link io.github.ddbstreams.sink.BatchResult}s.
 */
package io.github.ddbstreams.operators;
