/**
 * The sink contract shared by the OpenSearch, Kafka and replica-table sinks: {@link io.github.ddbstreams.sink.ChangeSink}
 * writes a {@link io.github.ddbstreams.sink.RecordBatch} and reports per-record outcomes.
 */
package io.github.ddbstreams.sink;
