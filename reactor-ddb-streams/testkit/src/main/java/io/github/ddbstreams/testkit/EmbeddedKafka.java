package io.github.ddbstreams.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker (KRaft, one combined broker + controller node) for tests, run as a separate JVM from
 * the {@code kafka_2.13} jars, listening on {@code 127.0.0.1} only, on free ports.
 *
 * <p>A separate JVM because a broker halts its JVM on a fatal fault and would put Scala's Jackson module
 * on the test classpath. Its classpath comes from the system property {@value #CLASSPATH_PROPERTY}: the
 * classpath itself, or {@code @file} naming a file that holds it (a module's failsafe configuration points
 * it to the file the {@code reactor-ddb-streams-kafka-broker} module writes). The broker's storage, its
 * configuration and its output ({@link #logFile()}) live in an instance directory under the temp directory
 * that {@link #close()} deletes; a broker whose test JVM was killed is stopped by the next {@code start}.
 *
 * <p>Starting takes 3–6 s: share one instance per test class (or run) and use fresh topics per test.
 * {@link #kill()}, {@link #stop()} and {@link #restart()} simulate an outage: the restarted broker keeps
 * its ports and its log directory. Instances are thread-safe.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
 *     Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
 *     // ... produce and consume ...
 *     kafka.restart(); // same ports, same data
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** The system property holding the broker's classpath, or {@code @file} naming a file that holds it. */
    public static final String CLASSPATH_PROPERTY = "ddbstreams.kafka.classpath";

    /** The address the broker listens on: loopback only. */
    public static final String HOST = "127.0.0.1";

    /** The broker's maximum heap. */
    public static final String HEAP = "512m";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    private static final String KIND = "kafka";
    private static final String MAIN_CLASS = "kafka.Kafka";
    private static final String STORAGE_TOOL = "kafka.tools.StorageTool";
    private static final int START_ATTEMPTS = 3;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    /** JVM options of the broker and of the StorageTool, besides the heap. */
    static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final List<String> classpath;
    private final Path instanceDir;
    private final Path propertiesFile;
    private final Path logFile;
    private final int brokerPort;
    private final int controllerPort;
    private final ServerLifecycle lifecycle;

    private EmbeddedKafka(List<String> classpath, Path instanceDir, int brokerPort, int controllerPort) {
        this.classpath = List.copyOf(classpath);
        this.instanceDir = instanceDir;
        this.propertiesFile = instanceDir.resolve("server.properties");
        this.logFile = instanceDir.resolve("kafka.log");
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.lifecycle = new ServerLifecycle("Kafka", this::toString, instanceDir, logFile, "embedded-kafka-shutdown",
                STOP_GRACE, POLL_INTERVAL);
    }

    /**
     * Starts a broker from the classpath in the system property {@value #CLASSPATH_PROPERTY}. Blocks until
     * it answers {@code describeCluster}.
     *
     * <pre>{@code
     * EmbeddedKafka kafka = EmbeddedKafka.start();
     * }</pre>
     *
     * @return the running broker; {@link #close()} it when done
     * @throws IllegalStateException if the property is missing or the broker cannot be started (the message
     *         holds the end of the broker's output)
     */
    public static EmbeddedKafka start() {
        return start(KafkaConfig.parseClasspath(System.getProperty(CLASSPATH_PROPERTY), CLASSPATH_PROPERTY));
    }

    /**
     * Starts a broker from the given classpath (the {@code kafka_2.13} jar and its dependencies). Blocks until
     * it answers {@code describeCluster}.
     *
     * <pre>{@code
     * EmbeddedKafka kafka = EmbeddedKafka.start(List.of("/path/kafka_2.13-3.9.1.jar", "..."));
     * }</pre>
     *
     * @throws IllegalStateException if the broker cannot be started
     */
    public static EmbeddedKafka start(List<String> classpath) {
        Objects.requireNonNull(classpath, "classpath");
        long startNanos = System.nanoTime();
        int reaped = ServerInstances.reapOrphans(KIND, MAIN_CLASS);
        if (reaped > 0) {
            log.info("Cleaned up {} Kafka instance(s) left by killed test JVMs", reaped);
        }
        IllegalStateException failure = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int[] ports = freePorts(2);
            Path instanceDir = ServerInstances.createInstanceDirectory(KIND);
            EmbeddedKafka kafka = new EmbeddedKafka(classpath, instanceDir, ports[0], ports[1]);
            try {
                kafka.format();
                kafka.lifecycle.start(kafka::launch);
                log.info("Kafka started on {} in {} ms (instance {})", kafka.bootstrapServers(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), instanceDir);
                return kafka;
            } catch (IllegalStateException e) {
                // a free port can be taken by another process between probe and bind: try new ones
                kafka.close();
                failure = e;
                if (!e.getMessage().contains("Address already in use")) {
                    break;
                }
                log.warn("Kafka could not bind its ports (attempt {} of {})", attempt, START_ATTEMPTS);
            }
        }
        throw failure;
    }

    /** The bootstrap servers, such as {@code 127.0.0.1:41234}; unchanged by {@link #restart()}. */
    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    /** The broker listener's port (on {@link #HOST}). */
    public int port() {
        return brokerPort;
    }

    /** Whether the broker process is running. */
    public boolean isRunning() {
        return lifecycle.isRunning();
    }

    /** The file holding the broker's standard output and error (its log), in the instance directory. */
    public Path logFile() {
        return logFile;
    }

    /**
     * Stops the broker gracefully (SIGTERM, a controlled shutdown; SIGKILL after 30 s), keeping its log
     * directory and ports for {@link #restart()}. Blocks until it is gone. Does nothing if it is not running.
     *
     * <pre>{@code
     * kafka.stop();
     * }</pre>
     *
     * @throws IllegalStateException if this instance is closed
     */
    public void stop() {
        if (lifecycle.stop()) {
            log.info("Kafka on {} stopped", bootstrapServers());
        }
    }

    /**
     * Kills the broker at once (SIGKILL), as a crash would, keeping its log directory and ports for
     * {@link #restart()}. Blocks until it is gone. Does nothing if it is not running.
     *
     * <pre>{@code
     * kafka.kill();
     * }</pre>
     *
     * @throws IllegalStateException if this instance is closed
     */
    public void kill() {
        if (lifecycle.kill()) {
            log.info("Kafka on {} killed", bootstrapServers());
        }
    }

    /**
     * Starts the broker again on the same ports with the same log directory, stopping it first (gracefully)
     * if it runs. Blocks until it answers {@code describeCluster}.
     *
     * <pre>{@code
     * kafka.restart();
     * }</pre>
     *
     * @throws IllegalStateException if this instance is closed or the broker cannot be started (for example
     *         if another process took one of its ports meanwhile)
     */
    public void restart() {
        long millis = lifecycle.restart(this::launch);
        log.info("Kafka restarted on {} in {} ms", bootstrapServers(), millis);
    }

    /** Stops the broker (SIGTERM; SIGKILL after 30 s) and deletes its instance directory. Idempotent. */
    @Override
    public void close() {
        if (lifecycle.close()) {
            log.debug("Kafka on {} closed", bootstrapServers());
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafka{bootstrapServers=" + bootstrapServers() + ", instance=" + instanceDir + "}";
    }

    // ---- starting -------------------------------------------------------------------------------------

    /** Writes the configuration and formats the storage with a new cluster id (a separate short-lived JVM). */
    private void format() {
        Path logDir = instanceDir.resolve("data");
        try {
            Files.createDirectories(logDir);
            Files.writeString(propertiesFile, KafkaConfig.render(
                    KafkaConfig.serverProperties(brokerPort, controllerPort, logDir)), StandardCharsets.UTF_8);
            Files.writeString(instanceDir.resolve("log4j.properties"), KafkaConfig.log4jProperties(),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the Kafka configuration in " + instanceDir, e);
        }
        ServerProcess storageTool = ServerProcess.start("Kafka StorageTool",
                javaCommand("128m", STORAGE_TOOL, "format", "-t", Uuid.randomUuid().toString(),
                        "-c", propertiesFile.toString()),
                environment(), instanceDir, logFile);
        if (!storageTool.waitForExit(FORMAT_TIMEOUT)) {
            storageTool.kill();
            throw lifecycle.failure("Kafka's StorageTool format did not finish within " + FORMAT_TIMEOUT, null);
        }
        int exitCode = storageTool.exitCode().orElse(-1);
        if (exitCode != 0) {
            throw lifecycle.failure("Kafka's StorageTool format failed with exit code " + exitCode, null);
        }
    }

    /** Starts the broker and waits until it answers. Called with the lifecycle's lock held. */
    private void launch() {
        lifecycle.launch(javaCommand(HEAP, MAIN_CLASS, propertiesFile.toString()), environment());
        awaitReady(System.nanoTime() + START_TIMEOUT.toNanos());
    }

    private List<String> javaCommand(String heap, String mainClass, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        // a test broker lives for seconds to minutes and shares 2 cores with the build: C1 only and the serial
        // collector start it (and the StorageTool) with about a third less CPU than C2 and G1, measured
        command.addAll(JVM_OPTIONS);
        command.add("-Djava.awt.headless=true");
        command.add("-Dlog4j.configuration=" + instanceDir.resolve("log4j.properties").toUri());
        command.add("-Dkafka.logs.dir=" + instanceDir.resolve("logs"));
        command.add(mainClass);
        command.addAll(List.of(arguments));
        return command;
    }

    private Map<String, String> environment() {
        Map<String, String> environment = new HashMap<>();
        // the classpath through the environment keeps the command line (ps, logs) short
        environment.put("CLASSPATH", String.join(File.pathSeparator, classpath));
        environment.put("JAVA_TOOL_OPTIONS", null);
        environment.put("KAFKA_OPTS", null);
        return environment;
    }

    private void awaitReady(long deadline) {
        awaitListening(deadline);
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200,
                AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-readiness");
        String last = "no answer";
        try (Admin admin = Admin.create(config)) {
            while (true) {
                try {
                    int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2_000))
                            .nodes().get(3, TimeUnit.SECONDS).size();
                    if (nodes > 0) {
                        return;
                    }
                    last = "no nodes";
                } catch (ExecutionException | TimeoutException e) {
                    last = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw lifecycle.failure("Interrupted while waiting for Kafka to start", e);
                }
                String lastAnswer = last;
                lifecycle.awaitNextPoll(deadline, () -> "while starting",
                        () -> "Kafka did not answer describeCluster within " + START_TIMEOUT + " (last: " + lastAnswer + ")");
            }
        }
    }

    /**
     * Waits until the broker port accepts connections, so that the Admin client (which logs a warning for
     * every refused connection) is only created once the broker is there.
     */
    private void awaitListening(long deadline) {
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getByName(HOST), brokerPort), 1_000);
                return;
            } catch (IOException e) {
                // not listening yet
            }
            lifecycle.awaitNextPoll(deadline, () -> "while starting",
                    () -> "Kafka did not listen on " + bootstrapServers() + " within " + START_TIMEOUT);
        }
    }

    /**
     * Distinct ports that were free on {@link #HOST} a moment ago (bound to port 0, then released). Another
     * process may take one before the broker binds it: {@link #start} retries with new ports.
     */
    static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find free ports on " + HOST, e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // nothing to do
                }
            }
        }
    }
}
