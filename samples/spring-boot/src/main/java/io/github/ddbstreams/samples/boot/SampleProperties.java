package io.github.ddbstreams.samples.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The sample's own settings ({@code sample.*}).
 *
 * @param changes how many changes {@link OrderWriter} writes at startup (0: none)
 * @param keepRunning whether {@code main} keeps the application running instead of exiting once they are processed
 * @param failOnStatus an order status that makes the pipeline fail (to see the health turn DOWN); unset: none
 */
@ConfigurationProperties("sample")
public record SampleProperties(@DefaultValue("30") int changes, @DefaultValue("false") boolean keepRunning,
        String failOnStatus) {
}
