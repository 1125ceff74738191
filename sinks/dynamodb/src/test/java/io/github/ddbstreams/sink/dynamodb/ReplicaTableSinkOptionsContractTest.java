package io.github.ddbstreams.sink.dynamodb;

import java.nio.file.Path;
import software.amazon.awssdk.regions.Region;
import io.github.ddbstreams.testkit.OptionsContract;
import org.junit.jupiter.api.Test;

/**
 * {@link ReplicaTableSinkOptions} keeps its defaults, its validation messages, its {@code toString()} and a lossless
 * {@code toBuilder()}: the transcript in {@code src/test/resources/options-contract} must not change unless an option does.
 */
class ReplicaTableSinkOptionsContractTest {

    @Test
    void keepsDefaultsValidationAndRoundTrip() {
        OptionsContract.assertMatchesGolden(() -> ReplicaTableSinkOptions.builder().region(Region.EU_WEST_1).tableName("orders-replica"),
                Path.of("src/test/resources/options-contract/ReplicaTableSinkOptions.txt"));
    }
}
