package io.github.ddbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The packages of the core form layers, and arrows only point down: a package uses its own layer's packages
 * (a package and its {@code internal} part) and the layers below, never one above nor a sibling of its own
 * rank (the operator features do not use each other; what two of them share lives in {@code internal}).
 * Checked on the sources (imports and fully qualified names outside comments) and on the compiled classes,
 * whose constant pools name every class they use.
 */
class PackageLayersTest {

    private static final String ROOT = "io.github.ddbstreams";
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path CLASSES = Path.of("target/classes");

    /**
     * Top to bottom; a row is one rank, each group in it may use only itself and the rows below. Relative to
     * {@link #ROOT}; {@code ""} is the root package itself: the public {@code RetryOptions} value, which
     * {@code internal.Retries} turns into a Reactor retry, so it is the ground.
     */
    private static final List<List<Set<String>>> LAYERS = List.of(
            List.of(Set.of("backfill"), Set.of("migration")),
            List.of(Set.of("receiver", "receiver.internal")),
            List.of(Set.of("lease", "lease.internal")),
            List.of(Set.of("checkpoint")),
            List.of(Set.of("operators"), Set.of("operators.filter"), Set.of("operators.delta"),
                    Set.of("operators.dedupe"), Set.of("operators.batch"), Set.of("operators.errors"),
                    Set.of("operators.parallel")),
            List.of(Set.of("sink", "sink.internal")),
            List.of(Set.of("record")),
            List.of(Set.of("metrics")),
            List.of(Set.of("internal")),
            List.of(Set.of("")));

    private static final Pattern SOURCE_REFERENCE =
            Pattern.compile("\\bio\\.github\\.ddbstreams((?:\\.[a-z]\\w*)*)\\.[A-Z]");
    private static final Pattern CLASS_REFERENCE = Pattern.compile("io/github/ddbstreams((?:/[a-z]\\w*)*)/[A-Z]");

    @Test
    void everyPackageOfTheCore_hasItsPlaceInTheLayers() {
        Set<String> packages = files(SOURCES, ".java").stream()
                .map(file -> packageOf(SOURCES.relativize(file.getParent())))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(packages).isNotEmpty().allSatisfy(p -> assertThat(rank(p)).as("layer of package '%s'", p)
                .isNotNegative());
    }

    @Test
    void noMainSource_usesAPackageAboveOrBesideItsOwn() {
        List<String> upward = files(SOURCES, ".java").stream()
                .flatMap(file -> {
                    String from = packageOf(SOURCES.relativize(file.getParent()));
                    Matcher m = SOURCE_REFERENCE.matcher(withoutComments(read(file)));
                    return m.results().map(r -> r.group(1).isEmpty() ? "" : r.group(1).substring(1))
                            .filter(to -> !allowed(from, to))
                            .map(to -> SOURCES.relativize(file) + " uses " + name(to));
                })
                .distinct().sorted().toList();
        assertThat(upward).isEmpty();
    }

    @Test
    void noCompiledClass_usesAPackageAboveOrBesideItsOwn() {
        List<String> upward = files(CLASSES, ".class").stream()
                .flatMap(file -> {
                    String from = packageOf(CLASSES.relativize(file.getParent()));
                    Matcher m = CLASS_REFERENCE.matcher(read(file));
                    return m.results().map(r -> r.group(1).isEmpty() ? "" : r.group(1).substring(1).replace('/', '.'))
                            .filter(to -> !allowed(from, to))
                            .map(to -> CLASSES.relativize(file) + " uses " + name(to));
                })
                .distinct().sorted().toList();
        assertThat(files(CLASSES, ".class")).isNotEmpty();
        assertThat(upward).isEmpty();
    }

    @Test
    void theCheck_rejectsUpwardAndSidewaysArrows_andAcceptsDownwardOnes() {
        assertThat(allowed("internal", "sink")).isFalse();
        assertThat(allowed("sink", "operators.errors")).isFalse();
        assertThat(allowed("operators.batch", "operators.parallel")).isFalse();
        assertThat(allowed("record", "receiver")).isFalse();
        assertThat(allowed("receiver", "receiver.internal")).isTrue();
        assertThat(allowed("receiver.internal", "receiver")).isTrue();
        assertThat(allowed("operators.errors", "sink")).isTrue();
        assertThat(allowed("internal", "")).isTrue();
        assertThat(allowed("", "internal")).isFalse();
        assertThat(allowed("internal", "internal")).isTrue();
        assertThat(allowed("unknown", "internal")).isFalse();
        assertThat(withoutComments("a /* io.github.ddbstreams.x.Y */ b // io.github.ddbstreams.z.W\nc"))
                .doesNotContain("ddbstreams").contains("a", "b", "\nc");
    }

    /** Whether package {@code from} may use package {@code to} (both relative to {@link #ROOT}). */
    private static boolean allowed(String from, String to) {
        if (from.equals(to) || groupOf(from).contains(to)) {
            return true;
        }
        int fromRank = rank(from);
        int toRank = rank(to);
        return fromRank >= 0 && toRank > fromRank;
    }

    private static int rank(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            for (Set<String> group : LAYERS.get(i)) {
                if (group.contains(pkg)) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static Set<String> groupOf(String pkg) {
        return LAYERS.stream().flatMap(List::stream).filter(g -> g.contains(pkg)).findFirst().orElse(Set.of());
    }

    private static String packageOf(Path directory) {
        String name = directory.toString().replace(directory.getFileSystem().getSeparator(), ".");
        assertThat(name).as("a directory of the core's sources").startsWith(ROOT);
        return name.equals(ROOT) ? "" : name.substring(ROOT.length() + 1);
    }

    private static String name(String pkg) {
        return pkg.isEmpty() ? ROOT : ROOT + "." + pkg;
    }

    /** The source with its comments blanked out (a string holding a comment marker is not expected here). */
    private static String withoutComments(String source) {
        return source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
    }

    private static List<Path> files(Path root, String suffix) {
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.filter(p -> p.toString().endsWith(suffix)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file's bytes as ISO-8859-1, one char per byte: good for Java sources and class-file constant pools. */
    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
