package io.github.ddbstreams.sink.kafka;

import java.nio.file.Path;

import io.github.ddbstreams.testkit.OptionsContract;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaSinkOptions} keeps its defaults, its validation messages, its {@code toString()} and a lossless
 * {@code toBuilder()}: the transcript in {@code src/test/resources/options-contract} must not change unless an option does.
 */
class KafkaSinkOptionsContractTest {

    @Test
    void keepsDefaultsValidationAndRoundTrip() {
        OptionsContract.assertMatchesGolden(() -> KafkaSinkOptions.builder().bootstrapServers("localhost:9092"),
                Path.of("src/test/resources/options-contract/KafkaSinkOptions.txt"));
    }
}
