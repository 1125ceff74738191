package io.github.ddbstreams.testkit;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.AbstractLocalDynamoDBServerHandler;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.shared.access.AmazonDynamoDBLocal;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * A DynamoDB Local server (with DynamoDB Streams) running in this JVM, listening on {@code 127.0.0.1}
 * only, on a free port, in memory ({@link #start()}) or in a file ({@link #startPersistent(Path)}).
 *
 * <p>The server runs in server mode (HTTP over loopback), so tests use ordinary SDK clients exactly as
 * they would against AWS: {@link #dynamoDbAsyncClient()} and {@link #streamsAsyncClient()} are shared
 * clients that this instance creates on first use and closes in {@link #close()};
 * {@link #newDynamoDbAsyncClient()} and {@link #newStreamsAsyncClient()} make clients the caller owns.
 * Every client uses region {@code us-east-1} and dummy static credentials. All tables share one database
 * ({@code -sharedDb}), whatever the credentials.
 *
 * <p>Starting takes 0.2–1.5 s; start one per test class and use a fresh table per test. Instances are
 * thread-safe.
 *
 * <p><b>Faults.</b> {@link #newDynamoDbAsyncClient(FaultInjector)} and
 * {@link #newStreamsAsyncClient(FaultInjector)} make clients whose calls a {@link FaultInjector} can
 * throttle, fail, slow down or disconnect. {@link #stopServer()} and {@link #restartServer()} stop the server
 * and start it again on the same port and endpoint, so existing clients reconnect by themselves (their calls
 * fail with connection errors in between). An in-memory server ({@link #start()}) loses every table and
 * stream on restart; a persistent one ({@link #startPersistent(Path)}, DynamoDB Local's {@code -dbPath})
 * keeps tables, items and streams (stream ARNs included) across restarts: use it for restart tests.
 *
 * <pre>{@code
 * try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start()) {
 *     String streamArn = dynamoDb.createTableWithStream("orders", StreamViewType.NEW_AND_OLD_IMAGES);
 *     DynamoDbAsyncClient client = dynamoDb.dynamoDbAsyncClient();
 *     // ...
 * }
 * }</pre>
 */
public final class EmbeddedDynamoDb implements AutoCloseable {

    /** The address the server listens on: loopback only. */
    public static final String HOST = "127.0.0.1";

    /** The region every client of this class is configured with. */
    public static final Region REGION = Region.US_EAST_1;

    /** The access key id (and secret key) of the dummy credentials every client uses. */
    public static final String DUMMY_CREDENTIAL = "dummy";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDynamoDb.class);

    private static final int START_ATTEMPTS = 3;
    private static final String PLACEHOLDER_PORT = "8000";
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration RESTART_BIND_PAUSE = Duration.ofMillis(100);
    private static final int RESTART_ATTEMPTS = 50;

    /** Guarded by {@link #lock}: replaced on restart, null while stopped. */
    private DynamoDBProxyServer proxyServer;
    private ServerConnector connector;
    private final int port;
    private final URI endpoint;
    /** The directory of the database file, or null in memory. */
    private final Path dbDirectory;

    private final Object lock = new Object();
    private final List<AutoCloseable> ownedClients = new ArrayList<>();
    private DynamoDbAsyncClient sharedDynamoDb;
    private DynamoDbStreamsAsyncClient sharedStreams;
    private DynamoDbClient sharedSync;
    private boolean closed;

    private EmbeddedDynamoDb(Running running, Path dbDirectory) {
        this.proxyServer = running.proxyServer;
        this.connector = running.connector;
        this.port = running.connector.getLocalPort();
        this.endpoint = URI.create("http://" + HOST + ":" + port);
        this.dbDirectory = dbDirectory;
    }

    /**
     * Starts a new in-memory DynamoDB Local server on {@code 127.0.0.1} and a free port. Blocks until it
     * accepts connections.
     *
     * <pre>{@code
     * EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.start();
     * }</pre>
     *
     * @return the running server; {@link #close()} it when done
     * @throws IllegalStateException if the server cannot be started
     */
    public static EmbeddedDynamoDb start() {
        return start(null);
    }

    /**
     * Starts a new DynamoDB Local server on {@code 127.0.0.1} and a free port that keeps its data in a file
     * in {@code dbDirectory} (created if missing; DynamoDB Local's {@code -dbPath}, file
     * {@code shared-local-instance.db}), so tables, items and streams survive {@link #restartServer()} and
     * even a new server on the same directory. Blocks until it accepts connections.
     *
     * <pre>{@code
     * EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.startPersistent(tempDir);
     * dynamoDb.restartServer(); // tables and streams are still there
     * }</pre>
     *
     * @throws IllegalStateException if the directory or the server cannot be created
     */
    public static EmbeddedDynamoDb startPersistent(Path dbDirectory) {
        Objects.requireNonNull(dbDirectory, "dbDirectory");
        try {
            Files.createDirectories(dbDirectory);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot create the DynamoDB Local directory " + dbDirectory, e);
        }
        return start(dbDirectory.toAbsolutePath());
    }

    private static EmbeddedDynamoDb start(Path dbDirectory) {
        long startNanos = System.nanoTime();
        RuntimeException failure = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            try {
                EmbeddedDynamoDb dynamoDb = new EmbeddedDynamoDb(startOnce(0, dbDirectory), dbDirectory);
                log.info("DynamoDB Local started on {} in {} ms", dynamoDb.endpoint,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
                return dynamoDb;
            } catch (BindFailedException e) {
                // Port 0 makes the OS choose a free port atomically, so this should not happen; retry anyway
                // rather than fail a test run on a transient bind error.
                log.warn("DynamoDB Local could not bind (attempt {} of {}): {}", attempt, START_ATTEMPTS,
                        e.getCause().toString());
                failure = e;
            }
        }
        throw new IllegalStateException("Could not start DynamoDB Local on " + HOST + " after " + START_ATTEMPTS
                + " attempts", failure);
    }

    /**
     * DynamoDB Local keeps static state: its command-line parsing, and the request dispatch table that every new
     * server's handler replaces with an empty map and then refills. Servers are created (and started) one at a time
     * under {@link #CREATING}, and while {@link #SERVING}'s write lock holds off every call to the servers of this JVM
     * (each server handles each call under the read lock, see {@link OutsideServerCreation}): no call meets a
     * half-filled dispatch table (which failed it with {@code InvalidAction}) while another server is created.
     */
    private static final Object CREATING = new Object();

    /** Calls to the servers of this JVM (read lock) against a server creation (write lock). */
    private static final ReentrantReadWriteLock SERVING = new ReentrantReadWriteLock();

    /**
     * How long a creation waits for the calls under way to end before it goes ahead anyway (a call is handled in
     * milliseconds; one whose client stopped half-way through sending it could hold the read lock until Jetty's
     * idle timeout, and every other call would queue behind the waiting creation meanwhile).
     */
    private static final Duration CALLS_WAIT = Duration.ofSeconds(5);

    /** Runs {@code creation} alone, while no server of this JVM handles a call (waiting up to {@link #CALLS_WAIT}). */
    static <T> T creatingServer(Callable<T> creation) throws Exception {
        synchronized (CREATING) {
            boolean callsHeld = SERVING.writeLock().tryLock(CALLS_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (!callsHeld) {
                log.warn("A call to a DynamoDB Local server of this JVM has been under way for {}: creating a server"
                        + " anyway (a call in the same moment may fail with InvalidAction)", CALLS_WAIT);
            }
            try {
                return creation.call();
            } finally {
                if (callsHeld) {
                    SERVING.writeLock().unlock();
                }
            }
        }
    }

    /** How many calls wait for a server creation to end. */
    static int waitingForServerCreation() {
        return SERVING.getQueueLength();
    }

    private static Running startOnce(int port, Path dbDirectory) {
        DynamoDBProxyServer proxyServer;
        try {
            // The -port value only satisfies the command line parser (which rejects 0), and appears in the
            // banner DynamoDB Local prints to System.out: the connector is switched to the wanted port below
            // (0 for a first start, so the OS picks a free port at bind time and no other process can take it
            // between probe and bind).
            String[] storage = dbDirectory == null ? new String[] {"-inMemory"}
                    : new String[] {"-dbPath", dbDirectory.toString()};
            String[] common = {"-sharedDb", "-disableTelemetry", "-port", PLACEHOLDER_PORT};
            String[] args = new String[storage.length + common.length];
            System.arraycopy(storage, 0, args, 0, storage.length);
            System.arraycopy(common, 0, args, storage.length, common.length);
            proxyServer = creatingServer(() -> ServerRunner.createServerFromCommandLineArgs(args));
        } catch (Exception e) {
            throw new IllegalStateException("Could not create the DynamoDB Local server: " + e, e);
        }
        Server jetty = readField(proxyServer, DynamoDBProxyServer.class, "server", Server.class);
        jetty.setHandler(new OutsideServerCreation(jetty.getHandler()));
        ServerConnector connector = singleServerConnector(jetty);
        // DynamoDB Local has no host option and listens on 0.0.0.0 by default.
        connector.setHost(HOST);
        connector.setPort(port);
        try {
            // safeStart(), unlike start(), propagates a bind failure instead of printing it to System.err
            // and returning a stopped server; it also sends no telemetry.
            DynamoDBProxyServer starting = proxyServer;
            creatingServer(() -> {
                starting.safeStart();
                return null;
            });
        } catch (Exception e) {
            stopQuietly(proxyServer);
            if (causedByBind(e)) {
                throw new BindFailedException(e);
            }
            throw new IllegalStateException("Could not start DynamoDB Local: " + e, e);
        }
        return new Running(proxyServer, connector);
    }

    /** DynamoDB Local's handler, run for each call outside any server creation ({@link #SERVING}). */
    private static final class OutsideServerCreation extends Handler.Wrapper {
        OutsideServerCreation(Handler handler) {
            super(handler);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            // DynamoDB Local reads the request and dispatches it within handle(), on this thread
            SERVING.readLock().lock();
            try {
                return super.handle(request, response, callback);
            } finally {
                SERVING.readLock().unlock();
            }
        }
    }

    /** A started server and its connector. */
    private record Running(DynamoDBProxyServer proxyServer, ServerConnector connector) {
    }

    private static ServerConnector singleServerConnector(Server jetty) {
        Connector[] connectors = jetty.getConnectors();
        if (connectors.length != 1 || !(connectors[0] instanceof ServerConnector serverConnector)) {
            throw new IllegalStateException("Expected DynamoDB Local's Jetty server to have one ServerConnector, found "
                    + List.of(connectors) + "; is the DynamoDBLocal version supported?");
        }
        return serverConnector;
    }

    /** The HTTP endpoint of the server, such as {@code http://127.0.0.1:41234}. */
    public URI endpoint() {
        return endpoint;
    }

    /** The TCP port the server listens on (on {@link #HOST}). */
    public int port() {
        return port;
    }

    /** The host the server's connector is bound to: {@link #HOST}. */
    String boundHost() {
        synchronized (lock) {
            return connector.getHost();
        }
    }

    /** Whether the data survives {@link #restartServer()}: true when started with {@link #startPersistent(Path)}. */
    public boolean isPersistent() {
        return dbDirectory != null;
    }

    /** Whether the server is running (false between {@link #stopServer()} and {@link #restartServer()}). */
    public boolean isServerRunning() {
        synchronized (lock) {
            return proxyServer != null;
        }
    }

    /**
     * Stops the server, keeping this instance, its endpoint and its clients: calls made until
     * {@link #restartServer()} fail with connection errors (connection refused), as when a server goes
     * away. Idempotent. Blocks until the port is closed.
     *
     * <pre>{@code
     * dynamoDb.stopServer();
     * // ... the code under test sees connection errors ...
     * dynamoDb.restartServer();
     * }</pre>
     *
     * @throws IllegalStateException if this instance is closed
     */
    public void stopServer() {
        DynamoDBProxyServer stopping;
        synchronized (lock) {
            ensureOpen();
            stopping = proxyServer;
            proxyServer = null;
        }
        if (stopping != null) {
            stopQuietly(stopping);
            log.info("DynamoDB Local on {} stopped (restartable)", endpoint);
        }
    }

    /**
     * Starts the server again on the same port (stopping it first if it runs), so {@link #endpoint()} and
     * every client keep working. An in-memory server comes back <b>empty</b> (no tables, no streams); a
     * {@linkplain #startPersistent(Path) persistent} one keeps its data. Blocks until the server accepts
     * connections; waits up to 5 s for the port to be free again.
     *
     * @throws IllegalStateException if this instance is closed or the port cannot be bound again
     */
    public void restartServer() {
        stopServer();
        synchronized (lock) {
            ensureOpen();
            RuntimeException failure = null;
            for (int attempt = 1; attempt <= RESTART_ATTEMPTS; attempt++) {
                try {
                    Running running = startOnce(port, dbDirectory);
                    proxyServer = running.proxyServer;
                    connector = running.connector;
                    log.info("DynamoDB Local restarted on {} ({})", endpoint, isPersistent() ? "data kept" : "in memory: empty");
                    return;
                } catch (BindFailedException e) {
                    failure = e;
                    // The old socket may linger briefly; wait a little before binding the same port again.
                    LockSupport.parkNanos(RESTART_BIND_PAUSE.toNanos());
                }
            }
            throw new IllegalStateException("Could not restart DynamoDB Local on " + endpoint, failure);
        }
    }

    /**
     * A DynamoDB client shared by all callers of this instance, created on first call. Do not close it:
     * {@link #close()} does.
     *
     * @throws IllegalStateException if this instance is closed
     */
    public DynamoDbAsyncClient dynamoDbAsyncClient() {
        synchronized (lock) {
            ensureOpen();
            if (sharedDynamoDb == null) {
                sharedDynamoDb = track(buildDynamoDbAsyncClient());
            }
            return sharedDynamoDb;
        }
    }

    /**
     * A DynamoDB Streams client shared by all callers of this instance, created on first call. Do not close
     * it: {@link #close()} does.
     *
     * @throws IllegalStateException if this instance is closed
     */
    public DynamoDbStreamsAsyncClient streamsAsyncClient() {
        synchronized (lock) {
            ensureOpen();
            if (sharedStreams == null) {
                sharedStreams = track(buildStreamsAsyncClient());
            }
            return sharedStreams;
        }
    }

    /**
     * A blocking DynamoDB client (URL-connection HTTP client) shared by all callers of this instance, for
     * test set-up and assertions. Do not close it: {@link #close()} does.
     *
     * @throws IllegalStateException if this instance is closed
     */
    public DynamoDbClient syncClient() {
        synchronized (lock) {
            ensureOpen();
            if (sharedSync == null) {
                sharedSync = track(DynamoDbClient.builder()
                        .httpClientBuilder(UrlConnectionHttpClient.builder())
                        .endpointOverride(endpoint)
                        .region(REGION)
                        .credentialsProvider(credentials())
                        .build());
            }
            return sharedSync;
        }
    }

    /**
     * A new DynamoDB client (Netty HTTP client) for this server, owned by the caller, who must close it.
     * Useful to test code that closes its client, or to isolate connection pools.
     */
    public DynamoDbAsyncClient newDynamoDbAsyncClient() {
        synchronized (lock) {
            ensureOpen();
        }
        return buildDynamoDbAsyncClient();
    }

    /** A new DynamoDB Streams client (Netty HTTP client) for this server, owned by the caller, who must close it. */
    public DynamoDbStreamsAsyncClient newStreamsAsyncClient() {
        synchronized (lock) {
            ensureOpen();
        }
        return buildStreamsAsyncClient();
    }

    /**
     * A new DynamoDB client whose calls go through {@code faults}, owned by the caller, who must close it.
     * The SDK's default retry strategy stays on, as in production: it may absorb some injected faults.
     *
     * <pre>{@code
     * FaultInjector faults = FaultInjector.create(7L);
     * try (DynamoDbAsyncClient client = dynamoDb.newDynamoDbAsyncClient(faults)) {
     *     faults.inject(FaultKind.THROTTLE).on("Scan").times(2);
     *     // ...
     * }
     * }</pre>
     */
    public DynamoDbAsyncClient newDynamoDbAsyncClient(FaultInjector faults) {
        Objects.requireNonNull(faults, "faults");
        synchronized (lock) {
            ensureOpen();
        }
        return DynamoDbAsyncClient.builder()
                .httpClientBuilder(TestHttpClients.nettyClientBuilder())
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(credentials())
                .overrideConfiguration(withInterceptor(faults))
                .build();
    }

    /**
     * A new DynamoDB Streams client whose calls go through {@code faults}, owned by the caller, who must
     * close it. The SDK's default retry strategy stays on, as in production.
     *
     * <pre>{@code
     * DynamoDbStreamsAsyncClient streams = dynamoDb.newStreamsAsyncClient(faults);
     * faults.inject(FaultKind.EXPIRED_ITERATOR).on("GetRecords").times(1);
     * }</pre>
     */
    public DynamoDbStreamsAsyncClient newStreamsAsyncClient(FaultInjector faults) {
        Objects.requireNonNull(faults, "faults");
        synchronized (lock) {
            ensureOpen();
        }
        return DynamoDbStreamsAsyncClient.builder()
                .httpClientBuilder(TestHttpClients.nettyClientBuilder())
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(credentials())
                .overrideConfiguration(withInterceptor(faults))
                .build();
    }

    private static ClientOverrideConfiguration withInterceptor(FaultInjector faults) {
        return ClientOverrideConfiguration.builder().addExecutionInterceptor(faults).build();
    }

    /**
     * Creates a table with a string partition key {@code pk}, on-demand billing and a stream of the given
     * view type, and waits until it is active. Blocks.
     *
     * <pre>{@code
     * String streamArn = dynamoDb.createTableWithStream("orders", StreamViewType.NEW_AND_OLD_IMAGES);
     * }</pre>
     *
     * @return the table's latest stream ARN
     */
    public String createTableWithStream(String tableName, StreamViewType viewType) {
        Objects.requireNonNull(tableName, "tableName");
        Objects.requireNonNull(viewType, "viewType");
        TableDescription table = createTable(CreateTableRequest.builder()
                .tableName(tableName)
                .attributeDefinitions(AttributeDefinition.builder()
                        .attributeName("pk").attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .streamSpecification(StreamSpecification.builder()
                        .streamEnabled(true).streamViewType(viewType).build())
                .build());
        return table.latestStreamArn();
    }

    /**
     * Creates a table and waits until it is active. Blocks (30 s at most).
     *
     * @return the description of the active table
     */
    public TableDescription createTable(CreateTableRequest request) {
        Objects.requireNonNull(request, "request");
        DynamoDbAsyncClient client = dynamoDbAsyncClient();
        await(client.createTable(request), "create table " + request.tableName());
        return await(client.waiter().waitUntilTableExists(
                        r -> r.tableName(request.tableName()),
                        o -> o.backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofMillis(50)))
                                .waitTimeout(ADMIN_TIMEOUT)),
                "wait for table " + request.tableName())
                .matched().response()
                .orElseThrow(() -> new IllegalStateException("Table " + request.tableName() + " did not become active"))
                .table();
    }

    /**
     * Forces the shard rollover that DynamoDB Local otherwise performs every 4 hours, in every stream of
     * this server: each open shard gets an ending sequence number and a child shard (whose
     * {@code ParentShardId} is the old shard) becomes the open one. Blocks until done.
     *
     * <p>Uses DynamoDB Local internals by reflection (its {@code triggerShardRollovers()}).
     *
     * @throws IllegalStateException if this instance is closed or the DynamoDB Local internals changed
     */
    public void triggerShardRollover() {
        DynamoDBProxyServer proxyServer;
        synchronized (lock) {
            ensureOpen();
            proxyServer = this.proxyServer;
            if (proxyServer == null) {
                throw new IllegalStateException(this + " is stopped: restartServer() first");
            }
        }
        Object serverHandler = readField(proxyServer, DynamoDBProxyServer.class, "serverHandler", Object.class);
        Object requestHandler = readField(serverHandler, AbstractLocalDynamoDBServerHandler.class,
                "primaryHandler", Object.class);
        Map<?, ?> databases = readField(requestHandler, LocalDynamoDBRequestHandler.class,
                "dbRequestHandlers", Map.class);
        List<Object> snapshot;
        synchronized (requestHandler) { // LocalDynamoDBRequestHandler fills the map under its own monitor
            snapshot = new ArrayList<>(databases.values());
        }
        for (Object database : snapshot) {
            ((AmazonDynamoDBLocal) database).triggerShardRollovers();
        }
        log.debug("Triggered shard rollover in {} DynamoDB Local database(s)", snapshot.size());
    }

    /**
     * Closes the clients this instance created and stops the server. Clients returned by
     * {@code new*Client()} are the caller's to close. Idempotent.
     */
    @Override
    public void close() {
        List<AutoCloseable> toClose;
        DynamoDBProxyServer stopping;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = proxyServer;
            proxyServer = null;
            toClose = new ArrayList<>(ownedClients);
            ownedClients.clear();
            sharedDynamoDb = null;
            sharedStreams = null;
            sharedSync = null;
        }
        for (AutoCloseable client : toClose) {
            try {
                client.close();
            } catch (Exception e) {
                log.warn("Could not close a DynamoDB Local client", e);
            }
        }
        if (stopping != null) {
            stopQuietly(stopping);
        }
        log.info("DynamoDB Local on {} stopped", endpoint);
    }

    @Override
    public String toString() {
        return "EmbeddedDynamoDb{endpoint=" + endpoint + (dbDirectory == null ? "" : ", dbPath=" + dbDirectory) + "}";
    }

    private DynamoDbAsyncClient buildDynamoDbAsyncClient() {
        return DynamoDbAsyncClient.builder()
                .httpClientBuilder(TestHttpClients.nettyClientBuilder())
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(credentials())
                .build();
    }

    private DynamoDbStreamsAsyncClient buildStreamsAsyncClient() {
        return DynamoDbStreamsAsyncClient.builder()
                .httpClientBuilder(TestHttpClients.nettyClientBuilder())
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(credentials())
                .build();
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(DUMMY_CREDENTIAL, DUMMY_CREDENTIAL));
    }

    private <T extends AutoCloseable> T track(T client) {
        ownedClients.add(client);
        return client;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private static <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new IllegalStateException("Interrupted while waiting to " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("Could not " + what + ": " + cause, cause);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IllegalStateException("Timed out after " + ADMIN_TIMEOUT + " waiting to " + what, e);
        }
    }

    private static void stopQuietly(DynamoDBProxyServer proxyServer) {
        try {
            proxyServer.stop();
        } catch (Exception e) {
            log.warn("Could not stop DynamoDB Local cleanly", e);
        }
    }

    private static boolean causedByBind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
            if (t instanceof IOException && t.getMessage() != null && t.getMessage().contains("Failed to bind")) {
                return true;
            }
        }
        return false;
    }

    private static <T> T readField(Object target, Class<?> owner, String name, Class<T> type) {
        try {
            Field field = owner.getDeclaredField(name);
            field.setAccessible(true);
            return type.cast(field.get(target));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Cannot read " + owner.getName() + "." + name
                    + " of DynamoDB Local; is the DynamoDBLocal version supported (tested with 2.6.1)?", e);
        }
    }

    /** A start attempt that failed to bind its port. */
    private static final class BindFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BindFailedException(Throwable cause) {
            super(cause);
        }
    }
}
