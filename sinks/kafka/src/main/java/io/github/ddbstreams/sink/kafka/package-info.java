/**
 * The Kafka sink: writes change records to Kafka topics with an idempotent producer ({@code acks=all}),
 * keyed by the item key so that one item's changes stay in one partition and in order.
 */
package io.github.ddbstreams.sink.kafka;
