package io.github.ddbstreams.benchmarks;

/**
 * One way of consuming a DynamoDB stream from TRIM_HORIZON, started and stopped by the end-to-end benchmark.
 * A contender is used for one run: {@link #start} once, then {@link #close}, which stops it and releases
 * what it created (threads, subscriptions) but not the shared clients.
 */
interface Contender extends AutoCloseable {

    /** Starts consuming the stream; returns at once. {@code listener} is called once per processed record. */
    void start(String streamArn, RecordListener listener);

    /** Stops consuming and waits (bounded) until no more calls are made. */
    @Override
    void close();
}
