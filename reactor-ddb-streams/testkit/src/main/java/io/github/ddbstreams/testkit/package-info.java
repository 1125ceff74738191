/**
 * Test support: real servers on 127.0.0.1 and a scripted fake DynamoDB Streams client for exact fault
 * injection under virtual time. {@code EmbeddedDynamoDb} runs DynamoDB Local in this JVM;
 * {@code EmbeddedOpenSearch} (from an unpacked OpenSearch distribution) and {@code EmbeddedKafka} (a KRaft
 * broker from the {@code kafka_2.13} jars) run as child processes, which a killed test JVM leaves behind
 * and the next start reaps. Depends on no other module of this project, so every module's tests can use
 * it.
 */
package io.github.ddbstreams.testkit;
