package io.github.ddbstreams.benchmarks;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Counts the HTTP requests each SDK client it is installed on sends, by operation name ({@code GetRecords},
 * {@code PutItem}, ...). Counted per attempt ({@code beforeTransmission}), so retries count too: each one is
 * billed on AWS. A lease-table checkpoint write is also counted under {@link #CHECKPOINT_WRITE}, a renewal under
 * {@link #RENEWAL_WRITE} (both are {@code UpdateItem}s), so that a report can tell the lease protocol's own writes from the checkpoints, which grow
 * with the traffic. Thread-safe.
 *
 * <pre>{@code
 * CallCounter calls = new CallCounter();
 * DynamoDbStreamsAsyncClient.builder().overrideConfiguration(o -> o.addExecutionInterceptor(calls))...
 * long getRecords = calls.count("GetRecords");
 * }</pre>
 */
final class CallCounter implements ExecutionInterceptor {

    static final String GET_RECORDS = "GetRecords";
    /**
     * The {@code UpdateItem}s that store a lease's checkpoint (the receiver's {@code LeaseTable.checkpoint}: the only
     * lease write that sets the ended flag to a value; renewals, takes, hand-offs and releases do not). No spaces: the
     * worker processes write their counts as {@code name=count} words.
     */
    static final String CHECKPOINT_WRITE = "UpdateItem.checkpoint";
    /** The {@code UpdateItem}s that renew a lease (the receiver's {@code LeaseTable.renew}: the counter alone). */
    static final String RENEWAL_WRITE = "UpdateItem.renewal";

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        counts.computeIfAbsent(operation == null ? "?" : operation, k -> new LongAdder()).increment();
        if (context.request() instanceof UpdateItemRequest update && update.updateExpression() != null) {
            if (update.updateExpression().contains("#ended = :ended")) {
                counts.computeIfAbsent(CHECKPOINT_WRITE, k -> new LongAdder()).increment();
            } else if (update.updateExpression().equals("SET #counter = #counter + :one")
                    && update.expressionAttributeNames().containsValue("leaseOwner")) {
                counts.computeIfAbsent(RENEWAL_WRITE, k -> new LongAdder()).increment();
            }
        }
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
