package io.github.ddbstreams.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import io.github.ddbstreams.testkit.EmbeddedOpenSearch;
import org.junit.jupiter.api.Test;

/** The cross-region replication and OpenSearch sync samples; each sample's own check must pass. */
class SinkSamplesIntegrationTest {

    @Test
    void crossRegionReplication_replicaRegionEqualsTheSourceTable() {
        try (EmbeddedDynamoDb primary = EmbeddedDynamoDb.start(); EmbeddedDynamoDb replica = EmbeddedDynamoDb.start()) {
            assertThat(CrossRegionReplication.run(primary, replica)).as("the sample's own check").isTrue();
        }
    }

    @Test
    void openSearchSync_liveDocumentsEqualTheTable() {
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start(); EmbeddedOpenSearch openSearch = EmbeddedOpenSearch.start()) {
            assertThat(OpenSearchSync.run(dynamoDb, openSearch)).as("the sample's own check").isTrue();
        }
    }
}
