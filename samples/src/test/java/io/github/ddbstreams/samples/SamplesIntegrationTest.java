package io.github.ddbstreams.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the analytics, audit trail and materialized view samples on one DynamoDB Local (each sample has its own
 * tables); each sample's own check must pass.
 */
class SamplesIntegrationTest {

    private static EmbeddedDynamoDb dynamoDb;

    @BeforeAll
    static void startDynamoDb() {
        dynamoDb = EmbeddedDynamoDb.start();
    }

    @AfterAll
    static void stopDynamoDb() {
        dynamoDb.close();
    }

    @Test
    void realTimeAnalytics_salesPerProductOverAllWindows_equalWhatTheWorkloadWrote() {
        assertThat(RealTimeAnalytics.run(dynamoDb)).as("the sample's own check").isTrue();
    }

    @Test
    void auditTrail_holdsEveryChangeInOrderWithOldAndNewValues_evenAfterAReplay() {
        assertThat(AuditTrail.run(dynamoDb)).as("the sample's own check").isTrue();
    }

    @Test
    void materializedView_equalsARecomputationFromTheOrdersTable_evenAfterAReplay() {
        assertThat(MaterializedView.run(dynamoDb)).as("the sample's own check").isTrue();
    }
}
