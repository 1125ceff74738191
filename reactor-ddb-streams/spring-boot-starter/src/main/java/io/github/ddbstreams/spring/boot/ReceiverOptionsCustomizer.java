package io.github.ddbstreams.spring.boot;

import io.github.ddbstreams.receiver.ReceiverOptions;

/**
 * Changes the auto-configured {@link ReceiverOptions} before they are built, after the properties were
 * applied: for options that properties cannot express, such as a trimmed-data listener or a scheduler.
 * Customizer beans run in their {@code @Order}.
 *
 * <pre>{@code
 * @Bean
 * ReceiverOptionsCustomizer trimmedDataAlerts(Alerts alerts) {
 *     return builder -> builder.trimmedDataListener(alerts::trimmed);
 * }
 * }</pre>
 */
@FunctionalInterface
public interface ReceiverOptionsCustomizer {

    /** Changes the builder in place. */
    void customize(ReceiverOptions.Builder builder);
}
