package io.github.ddbstreams.samples.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ddbstreams.testkit.EmbeddedDynamoDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The packaged tool: {@code java -jar target/ddb-tail.jar} as a separate process (the jar the package phase built,
 * path in the system property {@code ddbstreams.tail.jar}) against a real DynamoDB Local. Proves the jar starts on
 * its own: main class, merged service files (SLF4J provider, the SDK's netty HTTP service), nothing missing.
 */
class TailJarIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(60);

    private static EmbeddedDynamoDb dynamoDb;

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void startDynamoDb() {
        dynamoDb = EmbeddedDynamoDb.start();
    }

    @AfterAll
    static void stopDynamoDb() {
        dynamoDb.close();
    }

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void jar_againstDynamoDbLocal_printsTheChangesAsLambdaJsonAndExitsWithZero() throws Exception {
        String table = "tail-jar-changes";
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        put(table, "order-1", "NEW");
        put(table, "order-1", "PAID");

        Run run = run("--table", table, "--endpoint", dynamoDb.endpoint().toString(), "--count", "2",
                "--idle-timeout", "30s");

        assertThat(run.exitCode).as(run.err).isZero();
        List<String> lines = run.out.lines().toList();
        assertThat(lines).as(run.err).hasSize(2);
        JsonNode insert = JSON.readTree(lines.get(0));
        JsonNode modify = JSON.readTree(lines.get(1));
        assertThat(insert.path("eventName").asText()).isEqualTo("INSERT");
        assertThat(insert.at("/dynamodb/Keys/pk/S").asText()).isEqualTo("order-1");
        assertThat(modify.path("eventName").asText()).isEqualTo("MODIFY");
        assertThat(modify.at("/dynamodb/OldImage/status/S").asText()).isEqualTo("NEW");
        assertThat(modify.at("/dynamodb/NewImage/status/S").asText()).isEqualTo("PAID");
        assertThat(run.err).contains("2 record(s)")
                .doesNotContain("SLF4J", "Exception"); // a provider found, no stack trace
    }

    @Test
    void jar_onSigterm_stopsTheTailAndExitsWithZero() throws Exception {
        String table = "tail-jar-sigterm";
        dynamoDb.createTableWithStream(table, StreamViewType.NEW_IMAGE);
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process process = start(out, err, "--table", table, "--endpoint", dynamoDb.endpoint().toString(),
                "--from", "latest", "--format", "keys", "--poll-interval", "50ms");

        // Running once it said so; then a change it prints proves it reads, and SIGTERM ends it like Ctrl-C.
        await().atMost(PROCESS_TIMEOUT).until(() -> read(err).contains("Ctrl-C to stop") || !process.isAlive());
        await().atMost(PROCESS_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
            put(table, "k-" + System.nanoTime(), "NEW");
            return !read(out).isEmpty() || !process.isAlive();
        });
        process.destroy();

        assertThat(process.waitFor(PROCESS_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as(read(err)).isTrue();
        assertThat(process.exitValue()).as(read(err)).isZero();
        assertThat(read(out).lines().findFirst().orElseThrow()).startsWith("{\"pk\":\"k-");
    }

    @Test
    void jar_generateCompletion_printsTheBashCompletionScript() throws Exception {
        Run run = run("generate-completion");

        assertThat(run.exitCode).as(run.err).isZero();
        assertThat(run.out).startsWith("#!/usr/bin/env bash").contains("complete -F _complete_ddb-tail");
    }

    @Test
    void jar_withBadArguments_exitsWithTwo() throws Exception {
        Run run = run("--table", "Orders", "--count", "0");

        assertThat(run.exitCode).isEqualTo(Tail.EXIT_USAGE);
        assertThat(run.err).contains("--count", "Usage: ddb-tail");
        assertThat(run.out).isEmpty();
    }

    private Run run(String... args) throws IOException, InterruptedException {
        Path out = dir.resolve("out-" + System.nanoTime() + ".txt");
        Path err = dir.resolve("err-" + System.nanoTime() + ".txt");
        Process process = start(out, err, args);
        assertThat(process.waitFor(PROCESS_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .as("ddb-tail still running after %s; stderr: %s", PROCESS_TIMEOUT, read(err)).isTrue();
        return new Run(process.exitValue(), read(out), read(err));
    }

    private Process start(Path out, Path err, String... args) throws IOException {
        Path jar = Paths.get(System.getProperty("ddbstreams.tail.jar", "target/ddb-tail.jar"));
        assertThat(jar).as("built by mvn package").isRegularFile();
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        // No AWS settings of the machine running the test reach the tool: dummy credentials and us-east-1.
        builder.environment().keySet().removeIf(name -> name.startsWith("AWS_"));
        builder.environment().put("AWS_CONFIG_FILE", dir.resolve("no-aws-config").toString());
        builder.environment().put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-aws-credentials").toString());
        Process process = builder.start();
        process.getOutputStream().close(); // no input
        started.add(process);
        return process;
    }

    private static void put(String table, String pk, String status) {
        dynamoDb.syncClient().putItem(b -> b.tableName(table).item(Map.of(
                "pk", AttributeValue.fromS(pk),
                "status", AttributeValue.fromS(status))));
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    private record Run(int exitCode, String out, String err) {
    }
}
