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
            // 1,000 writes instead of the demo's 3,000: its verification (replica, index and topic equal the source,
            // per-key order) does not depend on how many
            assertThat(Demo.run(dynamoDb, openSearch, kafka, Duration.ZERO, 1_000)).as("the demo's own verification")
                    .isTrue();
        }
    }
}
