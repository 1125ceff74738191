/**
 * Per-key parallelism: {@link io.github.ddbstreams.operators.parallel.KeyedParallelism} runs the work of many
 * records at once while the records of one item key run one at a time, in stream order, and acknowledges each
 * record once its work completed.
 *
 * <pre>{@code
 * receiver.receive()
 *     .transform(KeyedParallelism.process(64, record -> replica.write(record)))
 *     .subscribe(); // records arrive here acknowledged, once written
 * }</pre>
 */
package io.github.ddbstreams.operators.parallel;
