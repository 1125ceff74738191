package io.github.ddbstreams.spring.boot;

import io.github.ddbstreams.lease.LeaseOptions;

/**
 * Changes the auto-configured {@link LeaseOptions} (built when {@code ddb.streams.leases.table-name} is set)
 * before they are built, after the properties were applied. Customizer beans run in their {@code @Order}.
 *
 * <pre>{@code
 * @Bean
 * LeaseOptionsCustomizer podName(@Value("${HOSTNAME}") String pod) {
 *     return builder -> builder.workerId(pod);
 * }
 * }</pre>
 */
@FunctionalInterface
public interface LeaseOptionsCustomizer {

    /** Changes the builder in place. */
    void customize(LeaseOptions.Builder builder);
}
