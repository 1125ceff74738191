package io.github.ddbstreams.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node OpenSearch server for tests, run as a child process from an unpacked distribution
 * (the {@code org.opensearch.distribution.integ-test-zip:opensearch} zip, which has no security plugin),
 * listening on {@code 127.0.0.1} only, on a port the OS chooses, with a 512 MB heap.
 *
 * <p>Where the distribution is: the system property {@value #HOME_PROPERTY} (a module's failsafe
 * configuration sets it to the directory its build unpacked), or {@link #start(Path)}.
 *
 * <p>OpenSearch refuses to run as root. When this JVM runs as root (as CI does), the server runs as the
 * user {@code nobody} through {@code setpriv}, from a copy of the distribution in the temp directory (a
 * checkout under a private home directory cannot be read by {@code nobody}); the copy is made once per
 * distribution and reused. Each instance has its own directory under the temp directory with its
 * configuration, data, logs and the server's output ({@link #logFile()}); {@link #close()} deletes it.
 * A server whose test JVM was killed is stopped by the next {@code start}.
 *
 * <p>Starting takes 6–10 s: share one instance per test class (or run) and use fresh indices per test.
 * {@link #kill()}, {@link #stop()} and {@link #restart()} simulate an outage: the restarted server keeps
 * its port and its data. Instances are thread-safe.
 *
 * <pre>{@code
 * try (EmbeddedOpenSearch openSearch = EmbeddedOpenSearch.start()) {
 *     URI endpoint = openSearch.endpoint(); // http://127.0.0.1:<port>
 *     // ... build a client for endpoint, index documents ...
 *     openSearch.kill();
 *     openSearch.restart(); // same port, same data
 * }
 * }</pre>
 */
public final class EmbeddedOpenSearch implements AutoCloseable {

    /** The system property naming the unpacked distribution's home directory (with {@code bin/opensearch}). */
    public static final String HOME_PROPERTY = "ddbstreams.opensearch.home";

    /** The address the server listens on: loopback only. */
    public static final String HOST = "127.0.0.1";

    /** The server's heap (-Xms and -Xmx). */
    public static final String HEAP = "512m";

    /**
     * JVM options after the distribution's own (the last one wins): no pre-touching of the heap. OpenSearch turns
     * {@code AlwaysPreTouch} on, which writes every page of the 512 MB heap before the node starts: 1.8 s of CPU
     * here (a plain {@code java -Xms512m -XX:+AlwaysPreTouch -version}: 0.9 s user + 0.9 s sys, 11–13 s wall on a
     * loaded 2-core machine, against 0.1 s without) on every start and restart; a short-lived test node gains
     * nothing from it.
     */
    static final String JVM_OPTIONS = "-Xms" + HEAP + " -Xmx" + HEAP + " -XX:-AlwaysPreTouch";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedOpenSearch.class);

    private static final String KIND = "opensearch";
    private static final String MAIN_CLASS = "org.opensearch.bootstrap.OpenSearch";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(50);
    private static final Pattern READY = Pattern.compile("\"status\"\\s*:\\s*\"(green|yellow)\"");

    private final Path distribution;
    private final boolean asNobody;
    private final Path instanceDir;
    private final Path configDir;
    private final Path dataDir;
    private final Path logsDir;
    private final Path logFile;
    private final HttpClient httpClient;
    private final ServerLifecycle lifecycle;

    /** Set by each launch; guarded by the lifecycle's lock. */
    private int httpPort;
    private int transportPort;

    private EmbeddedOpenSearch(Path distribution, boolean asNobody, Path instanceDir) {
        this.distribution = distribution;
        this.asNobody = asNobody;
        this.instanceDir = instanceDir;
        this.configDir = instanceDir.resolve("config");
        this.dataDir = instanceDir.resolve("data");
        this.logsDir = instanceDir.resolve("logs");
        this.logFile = instanceDir.resolve("opensearch.log");
        this.httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        this.lifecycle = new ServerLifecycle("OpenSearch", this::toString, instanceDir, logFile,
                "embedded-opensearch-shutdown", STOP_GRACE, POLL_INTERVAL);
    }

    /**
     * Starts a server from the distribution named by the system property {@value #HOME_PROPERTY}. Blocks
     * until the cluster is healthy (every primary shard active).
     *
     * <pre>{@code
     * EmbeddedOpenSearch openSearch = EmbeddedOpenSearch.start();
     * }</pre>
     *
     * @return the running server; {@link #close()} it when done
     * @throws IllegalStateException if the property is missing or the server cannot be started (the
     *         message holds the end of the server's output)
     */
    public static EmbeddedOpenSearch start() {
        String home = System.getProperty(HOME_PROPERTY);
        if (home == null || home.isBlank()) {
            throw new IllegalStateException("System property " + HOME_PROPERTY + " is not set: it must name an"
                    + " unpacked org.opensearch.distribution.integ-test-zip:opensearch distribution (the directory"
                    + " holding bin/opensearch). Run the tests through Maven (failsafe sets it, after"
                    + " maven-dependency-plugin unpacks the zip) or pass -D" + HOME_PROPERTY + "=<dir>.");
        }
        return start(Path.of(home));
    }

    /**
     * Starts a server from the unpacked distribution in {@code home} (the directory holding
     * {@code bin/opensearch}). Blocks until the cluster is healthy (every primary shard active).
     *
     * <pre>{@code
     * EmbeddedOpenSearch openSearch = EmbeddedOpenSearch.start(Path.of("target/opensearch-dist/opensearch-2.19.6"));
     * }</pre>
     *
     * @throws IllegalStateException if the distribution is not usable or the server cannot be started
     */
    public static EmbeddedOpenSearch start(Path home) {
        Objects.requireNonNull(home, "home");
        long startNanos = System.nanoTime();
        Path source = validateDistribution(home.toAbsolutePath().normalize());
        int reaped = ServerInstances.reapOrphans(KIND, MAIN_CLASS);
        if (reaped > 0) {
            log.info("Cleaned up {} OpenSearch instance(s) left by killed test JVMs", reaped);
        }
        boolean asNobody = ServerInstances.isRoot();
        Path distribution = asNobody ? prepareForNobody(source) : source;
        Path instanceDir = ServerInstances.createInstanceDirectory(KIND);
        EmbeddedOpenSearch openSearch = new EmbeddedOpenSearch(distribution, asNobody, instanceDir);
        openSearch.prepareInstance();
        long preparedNanos = System.nanoTime();
        try {
            openSearch.lifecycle.start(() -> openSearch.launch(0, 0));
        } catch (RuntimeException e) {
            openSearch.abandon();
            throw e;
        }
        log.info("OpenSearch started on {} in {} ms (preparing the files: {} ms){} (instance {})",
                openSearch.endpoint(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                TimeUnit.NANOSECONDS.toMillis(preparedNanos - startNanos), asNobody ? " as nobody" : "", instanceDir);
        return openSearch;
    }

    /** The HTTP endpoint, such as {@code http://127.0.0.1:41234}; unchanged by {@link #restart()}. */
    public URI endpoint() {
        return URI.create("http://" + HOST + ":" + port());
    }

    /** The HTTP port (on {@link #HOST}); unchanged by {@link #restart()}. */
    public int port() {
        synchronized (lifecycle.lock()) {
            return httpPort;
        }
    }

    /** Whether the server process is running. */
    public boolean isRunning() {
        return lifecycle.isRunning();
    }

    /** The file holding the server's standard output and error (its log), in the instance directory. */
    public Path logFile() {
        return logFile;
    }

    /**
     * Stops the server gracefully (SIGTERM; SIGKILL after 30 s), keeping its data and port for
     * {@link #restart()}. Blocks until it is gone. Does nothing if it is not running.
     *
     * <pre>{@code
     * openSearch.stop();
     * }</pre>
     *
     * @throws IllegalStateException if this instance is closed
     */
    public void stop() {
        if (lifecycle.stop()) {
            log.info("OpenSearch on port {} stopped", port());
        }
    }

    /**
     * Kills the server at once (SIGKILL), as a crash would, keeping its data and port for {@link #restart()}.
     * Blocks until it is gone. Does nothing if it is not running.
     *
     * <pre>{@code
     * openSearch.kill();
     * }</pre>
     *
     * @throws IllegalStateException if this instance is closed
     */
    public void kill() {
        if (lifecycle.kill()) {
            log.info("OpenSearch on port {} killed", port());
        }
    }

    /**
     * Starts the server again on the same port with the same data, stopping it first (gracefully) if it
     * runs. Blocks until every primary shard is active (indices recovered).
     *
     * <pre>{@code
     * openSearch.kill();
     * openSearch.restart();
     * }</pre>
     *
     * @throws IllegalStateException if this instance is closed or the server cannot be started (for example
     *         if another process took its port meanwhile)
     */
    public void restart() {
        long millis = lifecycle.restart(() -> launch(httpPort, transportPort));
        log.info("OpenSearch restarted on {} in {} ms", endpoint(), millis);
    }

    /**
     * Stops the server (SIGTERM; SIGKILL after 30 s) and deletes its instance directory (data, logs).
     * Idempotent.
     */
    @Override
    public void close() {
        if (lifecycle.close()) {
            log.info("OpenSearch on port {} closed", port());
        }
    }

    @Override
    public String toString() {
        return "EmbeddedOpenSearch{endpoint=" + endpoint() + ", instance=" + instanceDir + "}";
    }

    // ---- starting -------------------------------------------------------------------------------------

    private static Path validateDistribution(Path home) {
        for (String required : List.of("bin/opensearch", "config/jvm.options", "lib")) {
            if (!Files.exists(home.resolve(required))) {
                throw new IllegalStateException(home + " is not an unpacked OpenSearch distribution (no " + required
                        + "); check the system property " + HOME_PROPERTY + " and the maven-dependency-plugin unpack"
                        + " of org.opensearch.distribution.integ-test-zip:opensearch");
            }
        }
        return home;
    }

    private void prepareInstance() {
        try {
            copyTree(distribution.resolve("config"), configDir);
            Path jvmOptions = configDir.resolve("jvm.options");
            Files.write(jvmOptions, OpenSearchConfig.rewriteJvmOptions(
                    Files.readAllLines(jvmOptions, StandardCharsets.UTF_8), instanceDir), StandardCharsets.UTF_8);
            Files.createDirectories(dataDir);
            Files.createDirectories(logsDir);
            Files.createDirectories(instanceDir.resolve("tmp"));
            if (asNobody) {
                // the zip's config files are root-only (0660); the node also writes its keystore there
                ServerInstances.chownRecursively(instanceDir, ServerInstances.NOBODY_UID);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the OpenSearch instance directory " + instanceDir, e);
        }
    }

    /** Starts the process and waits until the cluster is healthy. Called with the lifecycle's lock held. */
    private void launch(int requestedHttpPort, int requestedTransportPort) {
        Path httpPortsFile = logsDir.resolve("http.ports");
        Path transportPortsFile = logsDir.resolve("transport.ports");
        try {
            // a ports file left by the previous run would announce a port before the new node binds it
            Files.deleteIfExists(httpPortsFile);
            Files.deleteIfExists(transportPortsFile);
            Path settings = configDir.resolve("opensearch.yml");
            Files.writeString(settings, OpenSearchConfig.renderSettings(dataDir, logsDir, requestedHttpPort,
                    requestedTransportPort), StandardCharsets.UTF_8);
            if (asNobody) {
                ServerInstances.chownRecursively(settings, ServerInstances.NOBODY_UID);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the OpenSearch configuration in " + configDir, e);
        }
        List<String> command = new ArrayList<>();
        if (asNobody) {
            // setpriv execs the script, which execs java: the child's PID is the server JVM's, so SIGTERM
            // reaches OpenSearch itself and it stops cleanly
            command.addAll(List.of(setprivPath(), "--reuid=" + ServerInstances.NOBODY_UID,
                    "--regid=" + ServerInstances.NOBODY_UID, "--clear-groups", "--inh-caps=-all"));
        }
        command.add(distribution.resolve("bin/opensearch").toString());
        String javaHome = System.getProperty("java.home");
        Map<String, String> environment = new HashMap<>();
        environment.put("JAVA_HOME", javaHome);
        environment.put("OPENSEARCH_JAVA_HOME", javaHome);
        environment.put("OPENSEARCH_PATH_CONF", configDir.toString());
        environment.put("OPENSEARCH_TMPDIR", instanceDir.resolve("tmp").toString());
        environment.put("OPENSEARCH_JAVA_OPTS", JVM_OPTIONS);
        environment.put("OPENSEARCH_HOME", null);
        environment.put("JAVA_TOOL_OPTIONS", null);
        environment.put("JAVA_OPTS", null);
        lifecycle.launch(command, environment);

        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        httpPort = awaitPort(httpPortsFile, deadline);
        transportPort = awaitPort(transportPortsFile, deadline);
        awaitHealthy(deadline);
    }

    private int awaitPort(Path portsFile, long deadline) {
        while (true) {
            if (Files.exists(portsFile)) {
                try {
                    OptionalInt port = OpenSearchConfig.parsePortsFile(Files.readAllLines(portsFile));
                    if (port.isPresent()) {
                        return port.getAsInt();
                    }
                } catch (IOException e) {
                    // being written; the node writes a temp file and renames it, but be lenient
                }
            }
            awaitNextPoll(deadline, () -> "its ports file " + portsFile.getFileName());
        }
    }

    private void awaitHealthy(long deadline) {
        // yellow, not green: on one node yellow means every primary shard is active (indices recovered after a
        // restart); an index a test creates with replicas (the default is 0 here) could never turn green
        URI health = URI.create("http://" + HOST + ":" + httpPort
                + "/_cluster/health?wait_for_status=yellow&wait_for_no_initializing_shards=true&timeout=2s");
        String last = "no answer";
        while (true) {
            try {
                HttpResponse<String> response = httpClient.send(
                        HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && READY.matcher(response.body()).find()) {
                    return;
                }
                last = "HTTP " + response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw lifecycle.failure("Interrupted while waiting for OpenSearch to be healthy", e);
            }
            String lastAnswer = last;
            awaitNextPoll(deadline, () -> "healthy shards (last answer: " + lastAnswer + ")");
        }
    }

    /** Fails if the server exited or {@code waitingFor} did not come in time; else waits one poll interval. */
    private void awaitNextPoll(long deadline, Supplier<String> waitingFor) {
        lifecycle.awaitNextPoll(deadline, () -> "before " + waitingFor.get(),
                () -> "OpenSearch did not report " + waitingFor.get() + " within " + START_TIMEOUT);
    }

    /** After a failed start: kill what runs; keep the directory (and log) for a later start to reap. */
    private void abandon() {
        lifecycle.abandon();
        log.warn("OpenSearch failed to start; its instance directory {} is kept until a later start reaps it",
                instanceDir);
    }

    // ---- running as nobody ----------------------------------------------------------------------------

    private static String setprivPath() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "setpriv");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        for (String fallback : List.of("/usr/bin/setpriv", "/bin/setpriv")) {
            if (Files.isExecutable(Path.of(fallback))) {
                return fallback;
            }
        }
        throw new IllegalStateException("OpenSearch refuses to run as root and this JVM runs as root, but setpriv"
                + " (util-linux) is not installed to run it as nobody: install util-linux or run the tests as"
                + " another user");
    }

    /**
     * A copy of the distribution that {@code nobody} can read, under the testkit's temp directory: made once
     * per distribution (keyed by its path and file sizes), published with an atomic rename so concurrent
     * JVMs share it.
     */
    private static Path prepareForNobody(Path source) {
        setprivPath(); // fail early with a clear message
        Path base = ServerInstances.baseDirectory();
        Optional<Path> closedDir = ServerInstances.firstClosedAncestor(base);
        if (closedDir.isPresent()) {
            throw new IllegalStateException("OpenSearch runs as nobody (this JVM runs as root), but " + closedDir.get()
                    + " (on the way to the temp directory " + base + ") is closed to other users: point"
                    + " java.io.tmpdir to a directory anyone can enter, such as /tmp");
        }
        Path javaHome = Path.of(System.getProperty("java.home"));
        Optional<Path> closedJava = ServerInstances.firstClosedAncestor(javaHome);
        if (closedJava.isPresent()) {
            throw new IllegalStateException("OpenSearch runs as nobody (this JVM runs as root), but the JDK at "
                    + javaHome + " is not readable by other users (" + closedJava.get() + " is closed)");
        }
        Path dists = base.resolve("dists");
        Path target = dists.resolve(source.getFileName() + "-" + fingerprint(source));
        if (Files.exists(target.resolve(".complete"))) {
            return target;
        }
        Path staging = null;
        try {
            Files.createDirectories(dists);
            Files.setPosixFilePermissions(dists, PosixFilePermissions.fromString("rwxr-xr-x"));
            staging = Files.createTempDirectory(dists, "staging-");
            copyTree(source, staging);
            makeReadableByAll(staging);
            Files.createFile(staging.resolve(".complete"));
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // another JVM published it first (or a half-made copy is in the way: replace it)
                if (!Files.exists(target.resolve(".complete"))) {
                    ServerInstances.deleteRecursively(target);
                    Files.move(staging, target);
                }
            } catch (IOException e) {
                if (!Files.exists(target.resolve(".complete"))) {
                    throw e;
                }
            }
            log.info("Copied the OpenSearch distribution to {} so that nobody can read it", target);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot copy the OpenSearch distribution " + source + " to " + target, e);
        } finally {
            if (staging != null && Files.exists(staging)) {
                ServerInstances.deleteRecursively(staging);
            }
        }
    }

    private static String fingerprint(Path source) {
        try (Stream<Path> files = Files.walk(source)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(source.toString().getBytes(StandardCharsets.UTF_8));
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                digest.update((source.relativize(file) + ":" + Files.size(file) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 6);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the OpenSearch distribution " + source, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void makeReadableByAll(Path root) throws IOException {
        Path bin = root.resolve("bin");
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                boolean executable = file.startsWith(bin) || Files.isExecutable(file);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
