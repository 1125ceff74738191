package io.github.ddbstreams.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class JavaProcessIntegrationTest {

    private static final Path LOGS = Path.of("target", "java-process");

    /** The state letter of {@code /proc/<pid>/stat}: {@code T} when stopped by a signal. */
    private static char state(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    @Test
    void freezeResumeAndKill_signalTheChildJvm_andItsOutputGoesToTheLogFile() throws IOException {
        Path log = LOGS.resolve("parked-" + System.nanoTime() + ".log");
        try (JavaProcess child = JavaProcess.start("parked", ParkedMain.class.getName(), List.of("a", "b"), log)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(log) && Files.readString(log).contains("ready a b"));
            assertThat(child.isAlive()).isTrue();
            assertThat(child.exitCode()).isEmpty();

            child.freeze();
            await().atMost(Duration.ofSeconds(5)).until(() -> state(child.pid()) == 'T');
            child.resume();
            await().atMost(Duration.ofSeconds(5)).until(() -> state(child.pid()) != 'T');
            assertThat(child.isAlive()).isTrue();

            child.freeze();
            child.kill(); // SIGKILL reaches a stopped process too
            assertThat(child.isAlive()).isFalse();
            assertThat(child.exitCode()).contains(137);
            assertThat(child.logTail()).contains("ready a b");
            assertThatThrownBy(child::resume).isInstanceOf(IllegalStateException.class).hasMessageContaining("parked");
        }
    }

    @Test
    void close_killsAChildThatStillRuns() {
        Path log = LOGS.resolve("closed-" + System.nanoTime() + ".log");
        JavaProcess child = JavaProcess.start("closed", ParkedMain.class.getName(), List.of(), log);
        child.close();
        assertThat(child.waitForExit(Duration.ofSeconds(30))).isTrue();
        assertThat(child.isAlive()).isFalse();
        child.close(); // idempotent
    }

    @Test
    void testClassPath_holdsThisTestsClasses() {
        assertThat(JavaProcess.testClassPath()).contains("test-classes");
    }
}
