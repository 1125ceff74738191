package io.github.ddbstreams.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

class OpenSearchConfigTest {

    private static final Path INSTANCE = Path.of("/tmp/ddbstreams-testkit-root/opensearch-123");

    @Test
    void renderSettings_bindsLoopbackSingleNodeWithPortsFileAndInstancePaths() {
        String yml = OpenSearchConfig.renderSettings(INSTANCE.resolve("data"), INSTANCE.resolve("logs"), 0, 0);

        assertThat(yml.lines()).contains(
                "network.host: 127.0.0.1",
                "http.port: 0",
                "transport.port: 0",
                "discovery.type: single-node",
                "node.portsfile: true",
                "cluster.routing.allocation.disk.threshold_enabled: false",
                "path.data: \"/tmp/ddbstreams-testkit-root/opensearch-123/data\"",
                "path.logs: \"/tmp/ddbstreams-testkit-root/opensearch-123/logs\"");
    }

    @Test
    void renderSettings_onRestart_pinsTheEarlierPorts() {
        String yml = OpenSearchConfig.renderSettings(INSTANCE.resolve("data"), INSTANCE.resolve("logs"), 41234, 41235);

        assertThat(yml.lines()).contains("http.port: 41234", "transport.port: 41235");
    }

    @Test
    void yamlString_escapesQuotesAndBackslashes() {
        assertThat(OpenSearchConfig.yamlString("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
    }

    @Test
    void rewriteJvmOptions_makesRelativePathsAbsoluteUnderTheInstance() {
        List<String> rewritten = OpenSearchConfig.rewriteJvmOptions(List.of(
                "-XX:HeapDumpPath=data",
                "-XX:ErrorFile=logs/hs_err_pid%p.log",
                "8:-Xloggc:logs/gc.log",
                "9-:-Xlog:gc*,gc+age=trace,safepoint:file=logs/gc.log:utctime,pid,tags:filecount=32,filesize=64m"),
                INSTANCE);

        assertThat(rewritten).containsExactly(
                "-XX:HeapDumpPath=" + INSTANCE + "/data",
                "-XX:ErrorFile=" + INSTANCE + "/logs/hs_err_pid%p.log",
                "8:-Xloggc:" + INSTANCE + "/logs/gc.log",
                "9-:-Xlog:gc*,gc+age=trace,safepoint:file=" + INSTANCE
                        + "/logs/gc.log:utctime,pid,tags:filecount=32,filesize=64m");
    }

    @Test
    void rewriteJvmOptions_leavesAbsolutePathsVariablesCommentsAndOtherOptionsAlone() {
        List<String> lines = List.of(
                "## a comment with -XX:HeapDumpPath=data",
                "",
                "-XX:HeapDumpPath=/var/dumps",
                "-Djava.io.tmpdir=${OPENSEARCH_TMPDIR}",
                "11-:-XX:+UseG1GC",
                "18-:-Djava.security.manager=allow");

        assertThat(OpenSearchConfig.rewriteJvmOptions(lines, INSTANCE)).isEqualTo(lines);
    }

    @Test
    void rewriteJvmOptions_commentsOutHeapSizes() {
        List<String> rewritten = OpenSearchConfig.rewriteJvmOptions(List.of("-Xms1g", "-Xmx1g", "11-:-Xmx2g"), INSTANCE);

        assertThat(rewritten).allSatisfy(line -> assertThat(line).startsWith("# "));
    }

    @Test
    void parsePortsFile_prefersIpv4Loopback() {
        assertThat(OpenSearchConfig.parsePortsFile(List.of("[::1]:9201", "127.0.0.1:9200")))
                .isEqualTo(OptionalInt.of(9200));
    }

    @Test
    void parsePortsFile_whenOnlyIpv6_returnsItsPort() {
        assertThat(OpenSearchConfig.parsePortsFile(List.of("[::1]:9201"))).isEqualTo(OptionalInt.of(9201));
    }

    @Test
    void parsePortsFile_whenEmptyOrGarbled_returnsEmpty() {
        assertThat(OpenSearchConfig.parsePortsFile(List.of())).isEmpty();
        assertThat(OpenSearchConfig.parsePortsFile(List.of("", "127.0.0.1:", "127.0.0.1:abc", "127.0.0.1:70000")))
                .isEmpty();
    }
}
