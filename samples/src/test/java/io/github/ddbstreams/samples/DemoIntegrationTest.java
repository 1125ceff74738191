package io.github.ddbstreams.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.EmbeddedKafka;
import io.github.ddbstreams.testkit.EmbeddedOpenSearch;
import org.junit.jupiter.api.Test;

/** The demo of the README's first command, run as a test: its own verification must pass. */
class DemoIntegrationTest {

    @Test
    void demo_replicaIndexAndTopicEndEqualToTheSourceTable() {
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
                EmbeddedOpenSearch openSearch = EmbeddedOpenSearch.start();
                EmbeddedKafka kafka = EmbeddedKafka.start()) {
            assertThat(Demo.run(dynamoDb, openSearch, kafka, Duration.ZERO)).as("the demo's own verification").isTrue();
        }
    }
}
