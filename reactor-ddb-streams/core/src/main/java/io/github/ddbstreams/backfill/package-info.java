/**
 * Table backfill: reads a whole DynamoDB table with a parallel, paginated, resumable Scan and emits each
 * item as a synthetic INSERT {@link io.github.ddbstreams.record.ChangeRecord}, then hands over to the
 * table's stream without missing a change ({@link io.github.ddbstreams.backfill.TableBackfill}). Scan
 * positions are kept in a {@link io.github.ddbstreams.backfill.BackfillPositionStore} (in memory or in a
 * DynamoDB table).
 */
package io.github.ddbstreams.backfill;
