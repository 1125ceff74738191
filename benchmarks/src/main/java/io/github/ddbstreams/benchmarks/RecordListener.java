package io.github.ddbstreams.benchmarks;

/** What a contender calls for each record it has processed: the item's partition key ({@code pk}). */
@FunctionalInterface
interface RecordListener {

    void onRecord(String partitionKey);
}
