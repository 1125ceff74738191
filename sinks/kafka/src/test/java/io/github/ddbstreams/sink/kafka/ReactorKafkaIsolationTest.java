package io.github.ddbstreams.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * reactor-kafka is optional: only {@link KafkaSenderSink} and the sender behind it may refer to it, and nothing may
 * use its {@code internals} packages (reactor-kafka is discontinued; its internals break with kafka-clients 4.x).
 * Checked on the sources and on the compiled classes, whose constant pools name every class they can load.
 */
class ReactorKafkaIsolationTest {

    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path CLASSES = Path.of("target/classes");
    private static final List<String> MAY_USE_REACTOR_KAFKA = List.of("KafkaSenderSink", "ReactorKafkaRecordSender");

    @Test
    void noMainSource_importsReactorKafkaInternals() throws IOException {
        assertThat(files(SOURCES, ".java"))
                .isNotEmpty()
                .allSatisfy(file -> assertThat(read(file))
                        .as(file.toString())
                        .doesNotContainPattern("reactor\\.kafka\\.[\\w.]*internals"));
    }

    @Test
    void onlyTheKafkaSenderAdapter_refersToReactorKafka_inSourcesAndCompiledClasses() throws IOException {
        assertThat(files(SOURCES, ".java"))
                .filteredOn(file -> read(file).contains("reactor.kafka"))
                .extracting(ReactorKafkaIsolationTest::simpleName)
                .containsExactlyInAnyOrderElementsOf(MAY_USE_REACTOR_KAFKA);
        assertThat(files(CLASSES, ".class"))
                .filteredOn(file -> read(file).contains("reactor/kafka/"))
                .extracting(ReactorKafkaIsolationTest::simpleName)
                .isNotEmpty()
                .allSatisfy(name -> assertThat(MAY_USE_REACTOR_KAFKA).contains(name.replaceFirst("\\$.*", "")));
    }

    private static List<Path> files(Path root, String suffix) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.filter(p -> p.toString().endsWith(suffix)).toList();
        }
    }

    /** The file's bytes as ISO-8859-1, one char per byte: good for Java sources and for class-file constant pools. */
    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String simpleName(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.lastIndexOf('.'));
    }
}
