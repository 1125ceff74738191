/**
 * The Kafka sink: {@link io.github.ddbstreams.sink.kafka.KafkaSink} writes change records to Kafka topics with an
 * idempotent producer ({@code acks=all}), keyed by the item key so that one item's changes stay in one partition
 * and in order, configured by {@link io.github.ddbstreams.sink.kafka.KafkaSinkOptions}. It writes with a plain
 * kafka-clients {@code Producer} (3.9 or 4.x), created by the sink or passed in;
 * {@link io.github.ddbstreams.sink.kafka.KafkaSenderSink} writes through an application's reactor-kafka
 * {@code KafkaSender} instead, and is the only class here that needs reactor-kafka (an optional dependency).
 */
package io.github.ddbstreams.sink.kafka;
