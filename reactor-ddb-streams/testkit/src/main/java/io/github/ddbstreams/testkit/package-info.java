/**
 * Test support: real servers started on 127.0.0.1 ({@code EmbeddedDynamoDb}) and a scripted fake
 * DynamoDB Streams client for exact fault injection under virtual time. Depends on no other module of
 * this project, so every module's tests can use it.
 */
package io.github.ddbstreams.testkit;
