package io.github.ddbstreams.benchmarks;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts the HTTP requests each SDK client it is installed on sends, by operation name ({@code GetRecords},
 * {@code PutItem}, ...). Counted per attempt ({@code beforeTransmission}), so retries count too: each one is
 * billed on AWS. Thread-safe.
 *
 * <pre>{@code
 * CallCounter calls = new CallCounter();
 * DynamoDbStreamsAsyncClient.builder().overrideConfiguration(o -> o.addExecutionInterceptor(calls))...
 * long getRecords = calls.count("GetRecords");
 * }</pre>
 */
final class CallCounter implements ExecutionInterceptor {

    static final String GET_RECORDS = "GetRecords";

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        counts.computeIfAbsent(operation == null ? "?" : operation, k -> new LongAdder()).increment();
    }

    /** The requests sent so far, by operation (a copy). */
    Map<String, Long> counts() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        counts.forEach((operation, n) -> copy.put(operation, n.sum()));
        return copy;
    }

    /** The requests of this operation sent so far. */
    long count(String operation) {
        LongAdder adder = counts.get(operation);
        return adder == null ? 0 : adder.sum();
    }
}
