package io.github.ddbstreams.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pure parts of {@link EmbeddedKafka}: the broker's {@code server.properties}, its log4j configuration
 * and the reading of the broker classpath.
 */
final class KafkaConfig {

    static final int NODE_ID = 1;

    /** How often the broker heartbeats to its (in-process) controller; Kafka's default is 2 s. */
    static final int BROKER_HEARTBEAT_MS = 500;

    /**
     * How long the controller keeps a broker that stopped heartbeating registered; Kafka's default is 9 s. Six
     * heartbeats, so that a broker slowed down by a loaded build machine is not fenced.
     */
    static final int BROKER_SESSION_TIMEOUT_MS = 3_000;

    private KafkaConfig() {
    }

    /**
     * The {@code server.properties} of a single combined (broker + controller) KRaft node on
     * {@code 127.0.0.1}: a static one-voter quorum (so {@code StorageTool format} needs no
     * {@code --standalone}), every internal topic with one replica and one partition, no group rebalance
     * delay, so that tests start fast, and a short broker session, so that a broker restarted after
     * {@link EmbeddedKafka#kill()} registers again within seconds.
     */
    static Map<String, String> serverProperties(int brokerPort, int controllerPort, Path logDir) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        p.put("delete.topic.enable", "true");
        // a killed broker's registration lives until its session times out, and the restarted broker cannot
        // register (DUPLICATE_BROKER_REGISTRATION) before: 9 s by default, so restart after kill() took 15-20 s
        p.put("broker.heartbeat.interval.ms", Integer.toString(BROKER_HEARTBEAT_MS));
        p.put("broker.session.timeout.ms", Integer.toString(BROKER_SESSION_TIMEOUT_MS));
        return p;
    }

    /** Properties in the file format, in order (values escaped as {@link java.util.Properties} reads them). */
    static String render(Map<String, String> properties) {
        StringBuilder out = new StringBuilder("# written by reactor-ddb-streams EmbeddedKafka\n");
        properties.forEach((key, value) -> out.append(key).append('=').append(escape(value)).append('\n'));
        return out.toString();
    }

    /** A log4j 1 configuration: INFO to standard output (which goes to the instance's log file). */
    static String log4jProperties() {
        return String.join("\n",
                "log4j.rootLogger=INFO, stdout",
                "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
                "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
                "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
                "log4j.logger.kafka.request.logger=WARN",
                "log4j.logger.state.change.logger=WARN",
                "log4j.logger.org.apache.kafka.clients=WARN",
                "");
    }

    /**
     * The broker classpath from a property value: a classpath ({@code a.jar:b.jar}), or {@code @file} naming
     * a file that holds one (as maven-dependency-plugin's {@code build-classpath} writes). Blank entries are
     * dropped; every entry must exist.
     *
     * @throws IllegalStateException naming {@code propertyName} if the value is unusable
     */
    static List<String> parseClasspath(String value, String propertyName) {
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("System property " + propertyName + " is not set: it must hold the"
                    + " classpath of a Kafka broker (org.apache.kafka:kafka_2.13 and its dependencies), or @<file>"
                    + " naming a file that holds it. Run the tests through Maven (failsafe sets it from the"
                    + " reactor-ddb-streams-kafka-broker module) or pass -D" + propertyName + "=...");
        }
        String classpath = value.trim();
        if (classpath.startsWith("@")) {
            Path file = Path.of(classpath.substring(1));
            try {
                classpath = Files.readString(file, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read the Kafka broker classpath file " + file + " named by "
                        + propertyName + " (was the reactor-ddb-streams-kafka-broker module built? run Maven with"
                        + " -am): " + e, new UncheckedIOException(e));
            }
        }
        List<String> entries = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (!Files.exists(Path.of(trimmed))) {
                throw new IllegalStateException("The Kafka broker classpath (" + propertyName + ") names " + trimmed
                        + ", which does not exist");
            }
            entries.add(trimmed);
        }
        if (entries.stream().noneMatch(e -> Path.of(e).getFileName().toString().startsWith("kafka_2."))) {
            throw new IllegalStateException("The Kafka broker classpath (" + propertyName + ") has no kafka_2.x jar: "
                    + entries);
        }
        return entries;
    }

    private static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
