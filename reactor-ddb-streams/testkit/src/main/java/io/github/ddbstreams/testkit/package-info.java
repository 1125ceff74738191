/**
 * Test support: real servers started on 127.0.0.1 ({@code EmbeddedDynamoDb} in this JVM, which can stop and
 * restart on the same port, in memory or persistent; {@code EmbeddedOpenSearch} and {@code EmbeddedKafka} as
 * child processes), {@code FaultInjector} (an SDK {@code ExecutionInterceptor} that throttles, fails, expires
 * iterators, slows down or drops chosen calls of real SDK clients), a scripted fake DynamoDB Streams client
 * for exact fault injection under virtual time, and {@code SimulatedStreamsService}, a DynamoDB Streams HTTP
 * endpoint at production shape (many partitions, rotations and splits on a compressed clock, retention, the
 * service's limits, call counters) for the real SDK client. {@code JavaProcess} runs a main class in a child JVM on the test
 * class path that a test can kill ({@code SIGKILL}), freeze ({@code SIGSTOP}) and resume ({@code SIGCONT}), for
 * tests of several worker processes. {@code TestHttpClients} builds Netty HTTP clients on one shared event
 * loop group, so that closing a test's SDK client returns at once. {@code OptionsContract} pins an options
 * class's defaults, validation messages and {@code toBuilder()} round trip in a golden transcript. Depends on no other module of this project, so every module's
 * tests can use it.
 */
package io.github.ddbstreams.testkit;
