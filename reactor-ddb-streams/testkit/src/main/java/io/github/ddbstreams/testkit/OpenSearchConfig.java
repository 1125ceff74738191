package io.github.ddbstreams.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pure parts of {@link EmbeddedOpenSearch}: the {@code opensearch.yml} it writes, the rewriting of the
 * distribution's {@code jvm.options} and the parsing of the ports file the node writes.
 */
final class OpenSearchConfig {

    /** Options in {@code jvm.options} whose value is a path, relative to the distribution's home. */
    private static final List<Pattern> PATH_OPTIONS = List.of(
            Pattern.compile("(-XX:HeapDumpPath=)([^\\s]+)"),
            Pattern.compile("(-XX:ErrorFile=)([^\\s]+)"),
            Pattern.compile("(-Xloggc:)([^\\s]+)"),
            // -Xlog:gc*,...:file=logs/gc.log:utctime,...
            Pattern.compile("(:file=)([^:\\s]+)"));

    /** A heap size in {@code jvm.options}: the launcher sets its own through OPENSEARCH_JAVA_OPTS. */
    private static final Pattern HEAP_OPTION = Pattern.compile("^(\\d+(-\\d*)?:)?-Xm[sx]\\S+$");

    private OpenSearchConfig() {
    }

    /**
     * The whole {@code opensearch.yml} of a test node: single node, loopback only, data and logs in the
     * instance directory, the HTTP and transport ports given (0 = chosen by the OS) written to a ports file.
     */
    static String renderSettings(Path dataDir, Path logsDir, int httpPort, int transportPort) {
        return String.join("\n",
                "# written by reactor-ddb-streams EmbeddedOpenSearch",
                "cluster.name: ddbstreams-test",
                "node.name: node-1",
                "path.data: " + yamlString(dataDir.toString()),
                "path.logs: " + yamlString(logsDir.toString()),
                "network.host: 127.0.0.1",
                "http.port: " + httpPort,
                "transport.port: " + transportPort,
                "discovery.type: single-node",
                // writes <path.logs>/http.ports once HTTP is bound: how a port chosen by the OS is learnt
                "node.portsfile: true",
                // a nearly full disk on a build machine must not make indices read-only or keep shards
                // unassigned (the node would never turn green)
                "cluster.routing.allocation.disk.threshold_enabled: false",
                // one node cannot hold replicas: without this every new index stays yellow
                "cluster.default_number_of_replicas: 0",
                "bootstrap.memory_lock: false",
                "");
    }

    /**
     * Rewrites the distribution's {@code jvm.options}: relative paths (heap dumps, error files, GC logs)
     * become absolute paths under {@code instanceDir} (the distribution's home may be read-only for the
     * server's user), and heap sizes are dropped (the launcher passes its own).
     */
    static List<String> rewriteJvmOptions(List<String> lines, Path instanceDir) {
        List<String> result = new ArrayList<>(lines.size());
        for (String line : lines) {
            String trimmed = line.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                result.add(line);
                continue;
            }
            if (HEAP_OPTION.matcher(trimmed).matches()) {
                result.add("# (heap set by EmbeddedOpenSearch) " + line);
                continue;
            }
            String rewritten = line;
            for (Pattern option : PATH_OPTIONS) {
                rewritten = absolutize(option, rewritten, instanceDir);
            }
            result.add(rewritten);
        }
        return result;
    }

    private static String absolutize(Pattern option, String line, Path instanceDir) {
        Matcher matcher = option.matcher(line);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = matcher.group(2);
            String replacement = value.startsWith("/") || value.startsWith("${")
                    ? value
                    : instanceDir.resolve(value).toString();
            matcher.appendReplacement(out, Matcher.quoteReplacement(matcher.group(1) + replacement));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    /**
     * The port in a ports file ({@code http.ports} or {@code transport.ports}): one bound address a line,
     * such as {@code 127.0.0.1:9200} or {@code [::1]:9200}; the first IPv4 loopback address wins, else the
     * first address. Empty if the file has no address yet.
     */
    static OptionalInt parsePortsFile(List<String> lines) {
        OptionalInt first = OptionalInt.empty();
        for (String line : lines) {
            String address = line.trim();
            int colon = address.lastIndexOf(':');
            if (address.isEmpty() || colon < 0 || colon == address.length() - 1) {
                continue;
            }
            int port;
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                continue;
            }
            if (port <= 0 || port > 65535) {
                continue;
            }
            if (address.substring(0, colon).equals("127.0.0.1")) {
                return OptionalInt.of(port);
            }
            if (first.isEmpty()) {
                first = OptionalInt.of(port);
            }
        }
        return first;
    }

    /** A YAML double-quoted string. */
    static String yamlString(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
