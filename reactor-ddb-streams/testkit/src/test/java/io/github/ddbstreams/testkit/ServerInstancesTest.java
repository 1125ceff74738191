package io.github.ddbstreams.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServerInstancesTest {

    /** A kind of its own per test run, so that real instances are never touched. */
    private final String kind = "reaptest" + UUID.randomUUID().toString().substring(0, 8);
    private Process sleeper;

    @AfterEach
    void killSleeper() {
        if (sleeper != null) {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void reapOrphans_whenOwnerJvmIsGone_stopsTheServerAndDeletesTheInstance() throws Exception {
        sleeper = new ProcessBuilder("sleep", "300").start();
        Path dir = ServerInstances.createInstanceDirectory(kind);
        writeInstance(dir, deadProcess(), sleeper.toHandle());

        int reaped = ServerInstances.reapOrphans(kind, "sleep");

        assertThat(reaped).isEqualTo(1);
        assertThat(sleeper.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(dir).doesNotExist();
    }

    @Test
    void reapOrphans_whenOwnerJvmIsAlive_leavesTheInstanceAlone() throws Exception {
        sleeper = new ProcessBuilder("sleep", "300").start();
        Path dir = ServerInstances.createInstanceDirectory(kind);
        ServerInstances.recordInstance(dir, sleeper.toHandle()); // owner: this JVM

        int reaped = ServerInstances.reapOrphans(kind, "sleep");

        assertThat(reaped).isZero();
        assertThat(sleeper.isAlive()).isTrue();
        assertThat(dir).exists();
        ServerInstances.deleteRecursively(dir);
    }

    @Test
    void reapOrphans_whenRecordedPidNowBelongsToAnotherProcess_doesNotKillIt() throws Exception {
        sleeper = new ProcessBuilder("sleep", "300").start();
        Path dir = ServerInstances.createInstanceDirectory(kind);
        Properties properties = new Properties();
        properties.setProperty("owner.pid", Long.toString(deadProcess().pid()));
        properties.setProperty("server.pid", Long.toString(sleeper.pid()));
        properties.setProperty("server.start", "12345"); // a different process once had this PID
        store(dir, properties);

        int reaped = ServerInstances.reapOrphans(kind, "sleep");

        assertThat(reaped).isEqualTo(1);
        assertThat(sleeper.isAlive()).isTrue();
        assertThat(dir).doesNotExist();
    }

    @Test
    void recordInstance_writesOwnerAndServerWithStartTimes() throws IOException {
        Path dir = ServerInstances.createInstanceDirectory(kind);
        try {
            ServerInstances.recordInstance(dir, ProcessHandle.current());

            Properties read = new Properties();
            try (var in = Files.newBufferedReader(dir.resolve(ServerInstances.INSTANCE_FILE))) {
                read.load(in);
            }
            assertThat(read.getProperty("owner.pid")).isEqualTo(Long.toString(ProcessHandle.current().pid()));
            assertThat(read.getProperty("server.start")).isNotBlank();
            assertThat(ServerInstances.recordedProcess(read, "server", null)).isPresent();
        } finally {
            ServerInstances.deleteRecursively(dir);
        }
    }

    @Test
    void serverProcess_stop_endsTheProcessAndKeepsItsOutput() throws IOException {
        Path dir = ServerInstances.createInstanceDirectory(kind);
        try {
            Path log = dir.resolve("out.log");
            ServerProcess process = ServerProcess.start("echoer", List.of("sh", "-c", "echo started; exec sleep 300"),
                    java.util.Map.of(), dir, log);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> ServerProcess.tail(log).contains("started"));

            process.stop(Duration.ofSeconds(5));

            assertThat(process.isAlive()).isFalse();
            assertThat(process.logTail()).contains("started");
        } finally {
            ServerInstances.deleteRecursively(dir);
        }
    }

    private static ProcessHandle deadProcess() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.toHandle();
    }

    private static void writeInstance(Path dir, ProcessHandle owner, ProcessHandle server) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("owner.pid", Long.toString(owner.pid()));
        properties.setProperty("server.pid", Long.toString(server.pid()));
        ServerInstances.startMillis(server).ifPresent(t -> properties.setProperty("server.start", Long.toString(t)));
        store(dir, properties);
    }

    private static void store(Path dir, Properties properties) throws IOException {
        try (Writer out = Files.newBufferedWriter(dir.resolve(ServerInstances.INSTANCE_FILE))) {
            properties.store(out, null);
        }
    }
}
