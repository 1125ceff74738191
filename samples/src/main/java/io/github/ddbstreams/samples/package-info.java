/** Runnable samples and the demo, on the embedded DynamoDB Local default. */
package io.github.ddbstreams.samples;
