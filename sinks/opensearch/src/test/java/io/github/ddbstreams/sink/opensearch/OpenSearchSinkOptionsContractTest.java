package io.github.ddbstreams.sink.opensearch;

import java.nio.file.Path;
import java.net.URI;
import io.github.ddbstreams.testkit.OptionsContract;
import org.junit.jupiter.api.Test;

/**
 * {@link OpenSearchSinkOptions} keeps its defaults, its validation messages, its {@code toString()} and a lossless
 * {@code toBuilder()}: the transcript in {@code src/test/resources/options-contract} must not change unless an option does.
 */
class OpenSearchSinkOptionsContractTest {

    @Test
    void keepsDefaultsValidationAndRoundTrip() {
        OptionsContract.assertMatchesGolden(() -> OpenSearchSinkOptions.builder().endpoint(URI.create("http://127.0.0.1:9200")).index("orders"),
                Path.of("src/test/resources/options-contract/OpenSearchSinkOptions.txt"));
    }
}
