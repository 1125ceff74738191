/** A Spring Boot application on the reactor-ddb-streams starter, runnable on an embedded DynamoDB Local. */
package io.github.ddbstreams.samples.boot;
