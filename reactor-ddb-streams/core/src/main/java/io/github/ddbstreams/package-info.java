/**
 * Values shared by the options of every component: {@link io.github.ddbstreams.RetryOptions}, how failing calls
 * are retried. The components live in the sub-packages ({@code receiver}, {@code backfill}, {@code operators},
 * {@code sink}, …).
 *
 * <pre>{@code
 * RetryOptions retry = RetryOptions.builder().maxRetries(10).build();
 * ReceiverOptions options = ReceiverOptions.builder().tableName("orders").retry(retry).build();
 * }</pre>
 */
package io.github.ddbstreams;
