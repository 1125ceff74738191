package io.github.ddbstreams.sink.internal;

import java.util.function.Supplier;

import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import reactor.core.publisher.Mono;

/**
 * Meters ({@code ddb.streams.sink.writes}, {@code ddb.streams.sink.latency}) and a Micrometer
 * {@code Observation} ({@code ddb.streams.sink.write}) around sink writes. Micrometer stays optional: without
 * registries this is a no-op that never touches a Micrometer class.
 */
public abstract class SinkMetrics {

    private static final SinkMetrics NOOP = new SinkMetrics() {
        @Override
        public Mono<BatchResult> instrument(RecordBatch batch, Supplier<Mono<BatchResult>> write) {
            return Mono.defer(write);
        }
    };

    SinkMetrics() {
    }

    /**
     * @param sink the sink's name (a bounded tag value)
     * @param meters where meters go, or {@code null}
     * @param observations where observations go, or {@code null}
     */
    public static SinkMetrics create(String sink, MeterRegistry meters, ObservationRegistry observations) {
        if (meters == null && observations == null) {
            return NOOP;
        }
        return new MicrometerSinkMetrics(sink, meters, observations);
    }

    /** Runs the write, counting its records by outcome and timing it. */
    public abstract Mono<BatchResult> instrument(RecordBatch batch, Supplier<Mono<BatchResult>> write);
}
