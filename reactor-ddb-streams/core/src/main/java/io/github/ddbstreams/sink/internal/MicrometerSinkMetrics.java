package io.github.ddbstreams.sink.internal;

import java.util.function.Supplier;

import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import reactor.core.publisher.Mono;

/** {@link SinkMetrics} with Micrometer; loaded only when a registry is given. */
final class MicrometerSinkMetrics extends SinkMetrics {

    private final String sink;
    private final Counter successes;
    private final Counter failures;
    private final Timer latency;
    private final ObservationRegistry observations;

    MicrometerSinkMetrics(String sink, MeterRegistry meters, ObservationRegistry observations) {
        this.sink = sink;
        this.observations = observations;
        if (meters != null) {
            String writes = DynamoDbStreamsMeters.SINK_WRITES.meterName();
            this.successes = Counter.builder(writes).tag("sink", sink).tag("outcome", "success")
                    .baseUnit(DynamoDbStreamsMeters.SINK_WRITES.baseUnit())
                    .description("Records written by the sink").register(meters);
            this.failures = Counter.builder(writes).tag("sink", sink).tag("outcome", "failure")
                    .baseUnit(DynamoDbStreamsMeters.SINK_WRITES.baseUnit())
                    .description("Records written by the sink").register(meters);
            this.latency = Timer.builder(DynamoDbStreamsMeters.SINK_LATENCY.meterName()).tag("sink", sink)
                    .description("Latency of one sink write").register(meters);
        } else {
            this.successes = null;
            this.failures = null;
            this.latency = null;
        }
    }

    @Override
    public Mono<BatchResult> instrument(RecordBatch batch, Supplier<Mono<BatchResult>> write) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            Observation observation = observations == null ? null
                    : Observation.createNotStarted("ddb.streams.sink.write", observations)
                            .lowCardinalityKeyValue("sink", sink)
                            .highCardinalityKeyValue("records", Integer.toString(batch.size()))
                            .start();
            return write.get()
                    .doOnSuccess(result -> {
                        if (successes != null && result != null) {
                            int failed = result.failures().size();
                            successes.increment(batch.size() - failed);
                            failures.increment(failed);
                        }
                    })
                    .doOnError(error -> {
                        if (failures != null) {
                            failures.increment(batch.size());
                        }
                        if (observation != null) {
                            observation.error(error);
                        }
                    })
                    .doFinally(signal -> {
                        if (latency != null) {
                            latency.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                        }
                        if (observation != null) {
                            observation.stop();
                        }
                    });
        });
    }
}
