/**
 * The Kafka sink: {@link io.github.ddbstreams.sink.kafka.KafkaSink} writes change records to Kafka topics with an
 * idempotent producer ({@code acks=all}), keyed by the item key so that one item's changes stay in one partition
 * and in order, configured by {@link io.github.ddbstreams.sink.kafka.KafkaSinkOptions}. Built on reactor-kafka's
 * {@code KafkaSender}; no reactor-kafka type appears in this package's public API.
 */
package io.github.ddbstreams.sink.kafka;
