/**
 * The library's Micrometer meters, all declared in {@link io.github.ddbstreams.metrics.DynamoDbStreamsMeters}.
 * Micrometer is optional: meters are registered only where an options class is given a {@code MeterRegistry}.
 */
package io.github.ddbstreams.metrics;
