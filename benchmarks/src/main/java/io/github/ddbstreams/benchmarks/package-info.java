/**
 * JMH benchmarks. Build and run: {@code mvn -q -DskipTests package -pl benchmarks -am && java -jar
 * benchmarks/target/benchmarks.jar}.
 */
package io.github.ddbstreams.benchmarks;
