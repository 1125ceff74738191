package io.github.ddbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The build leaves internal packages out of the javadoc jar by name ({@code *.internal}) and out of the API
 * compatibility check by annotation ({@link Internal}): both must pick the same packages.
 */
class InternalPackagesTest {

    /** The core's sources, from the module directory (surefire's working directory). */
    private static final Path SOURCES = Path.of("src", "main", "java");
    private static final Pattern ANNOTATED = Pattern.compile("(?m)^@Internal\\s+package ");

    @Test
    void everyPackageNamedInternal_isAnnotatedInternal_andNoOther() throws IOException {
        List<Path> packageInfos;
        try (Stream<Path> files = Files.walk(SOURCES)) {
            packageInfos = files.filter(f -> f.getFileName().toString().equals("package-info.java")).toList();
        }

        List<String> annotated = packageInfos.stream().filter(InternalPackagesTest::annotated)
                .map(InternalPackagesTest::packageName).sorted().toList();
        List<String> namedInternal = packageInfos.stream().map(InternalPackagesTest::packageName)
                .filter(name -> name.endsWith(".internal")).sorted().toList();

        assertThat(annotated).isEqualTo(namedInternal).contains("io.github.ddbstreams.internal",
                "io.github.ddbstreams.lease.internal", "io.github.ddbstreams.receiver.internal");
    }

    private static boolean annotated(Path packageInfo) {
        try {
            return ANNOTATED.matcher(Files.readString(packageInfo)).find();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String packageName(Path packageInfo) {
        return SOURCES.relativize(packageInfo.getParent()).toString().replace(packageInfo.getFileSystem().getSeparator(), ".");
    }
}
