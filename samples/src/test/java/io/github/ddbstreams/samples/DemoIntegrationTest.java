package io.github.ddbstreams.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.junit.jupiter.api.Test;

/** The demo of the README's first command, run as a test: its own check must pass. */
class DemoIntegrationTest {

    @Test
    void demo_receivesEveryChangeInOrder() {
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start()) {
            assertThat(Demo.run(dynamoDb)).as("the demo's own verification").isTrue();
        }
    }
}
