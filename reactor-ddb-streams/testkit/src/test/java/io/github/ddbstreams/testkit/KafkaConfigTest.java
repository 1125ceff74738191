package io.github.ddbstreams.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaConfigTest {

    @TempDir
    Path temp;

    @Test
    void serverProperties_combinedKraftNodeOnLoopbackWithAStaticQuorum() {
        Map<String, String> p = KafkaConfig.serverProperties(9092, 9093, Path.of("/tmp/k/data"));

        assertThat(p).containsEntry("process.roles", "broker,controller")
                .containsEntry("controller.quorum.voters", "1@127.0.0.1:9093")
                .containsEntry("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093")
                .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:9092")
                .containsEntry("log.dirs", "/tmp/k/data")
                .containsEntry("offsets.topic.replication.factor", "1")
                .containsEntry("transaction.state.log.min.isr", "1")
                .containsEntry("group.initial.rebalance.delay.ms", "0")
                .containsEntry("broker.heartbeat.interval.ms", "500")
                .containsEntry("broker.session.timeout.ms", "3000");
    }

    @Test
    void render_isReadBackByProperties() throws IOException {
        Map<String, String> p = KafkaConfig.serverProperties(9092, 9093, Path.of("C:\\odd\\dir"));

        Properties read = new Properties();
        read.load(new StringReader(KafkaConfig.render(p)));

        assertThat(read).containsAllEntriesOf(p);
    }

    @Test
    void parseClasspath_readsAnAtFile() throws IOException {
        Path kafka = Files.createFile(temp.resolve("kafka_2.13-3.9.1.jar"));
        Path clients = Files.createFile(temp.resolve("kafka-clients-3.9.1.jar"));
        Path file = temp.resolve("broker.classpath");
        Files.writeString(file, kafka + ":" + clients + "\n");

        assertThat(KafkaConfig.parseClasspath("@" + file, "p")).containsExactly(kafka.toString(), clients.toString());
    }

    @Test
    void parseClasspath_takesALiteralClasspath() throws IOException {
        Path kafka = Files.createFile(temp.resolve("kafka_2.13-3.9.1.jar"));

        assertThat(KafkaConfig.parseClasspath(kafka + "::", "p")).containsExactly(kafka.toString());
    }

    @Test
    void parseClasspath_whenMissing_namesTheProperty() {
        assertThatThrownBy(() -> KafkaConfig.parseClasspath(null, "ddbstreams.kafka.classpath"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ddbstreams.kafka.classpath");
    }

    @Test
    void parseClasspath_whenFileMissing_saysSo() {
        assertThatThrownBy(() -> KafkaConfig.parseClasspath("@" + temp.resolve("nope"), "p"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nope");
    }

    @Test
    void parseClasspath_whenAnEntryDoesNotExist_namesIt() {
        assertThatThrownBy(() -> KafkaConfig.parseClasspath(temp.resolve("gone.jar").toString(), "p"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("gone.jar");
    }

    @Test
    void parseClasspath_withoutTheBrokerJar_isRejected() throws IOException {
        Path clients = Files.createFile(temp.resolve("kafka-clients-3.9.1.jar"));

        assertThatThrownBy(() -> KafkaConfig.parseClasspath(clients.toString(), "p"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("kafka_2.x");
    }

    @Test
    void freePorts_areDistinct() {
        int[] ports = EmbeddedKafka.freePorts(2);

        assertThat(List.of(ports[0], ports[1])).doesNotHaveDuplicates().allSatisfy(p -> assertThat(p).isPositive());
    }
}
