package io.github.ddbstreams;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a package (on its {@code package-info.java}) or a type as internal: <b>not part of the API, may change
 * without notice</b>, in any release. Such code is public only because other packages or modules of this library
 * use it (the sinks use {@code io.github.ddbstreams.internal}); applications should not.
 *
 * <p>The internal packages ({@code io.github.ddbstreams.internal}, {@code io.github.ddbstreams.lease.internal},
 * {@code io.github.ddbstreams.receiver.internal}) carry it, and the build leaves what carries it out of the
 * published API: the javadoc jar has no {@code *.internal} package and the API compatibility check (japicmp)
 * excludes everything annotated with it.
 *
 * <pre>
 * &#64;Internal
 * package io.github.ddbstreams.internal;
 * </pre>
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.PACKAGE, ElementType.TYPE, ElementType.CONSTRUCTOR, ElementType.METHOD, ElementType.FIELD})
public @interface Internal {
}
