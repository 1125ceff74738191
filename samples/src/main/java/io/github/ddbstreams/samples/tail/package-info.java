/**
 * {@code tail}: a console tool that prints the records of a DynamoDB stream as JSON lines, like {@code kcat -C}
 * for a Kafka topic. Entry point: {@link io.github.ddbstreams.samples.tail.Tail}.
 */
package io.github.ddbstreams.samples.tail;
