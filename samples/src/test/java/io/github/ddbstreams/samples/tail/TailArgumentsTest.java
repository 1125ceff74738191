package io.github.ddbstreams.samples.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import io.github.ddbstreams.receiver.StartPosition;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine.TypeConversionException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The tool's argument checks, parsers and output formats; no server (bad arguments end before any call). */
class TailArgumentsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "--count 1                                     | --table",
        "--table Orders --stream-arn arn:aws:x          | --stream-arn",
        "--table Orders --count abc                     | --count",
        "--table Orders --count 0                       | --count",
        "--table Orders --idle-timeout soon             | --idle-timeout",
        "--table Orders --idle-timeout 0s               | --idle-timeout",
        "--table Orders --from yesterday                | --from",
        "--table Orders --format xml                    | --format",
        "--table Orders --endpoint localhost:8000       | --endpoint",
        "--table Orders --streams-endpoint ftp://x      | --streams-endpoint",
        "--table Orders --filter {\"eventName\":\"X\"}  | --filter",
        "--table Orders --filter not-json               | --filter",
        "--table Orders --max-retries -1                | --max-retries",
        "--table Orders --creation-time-precision PT0S  | --creation-time-precision",
        "--table ab                                     | --table",
        "--stream-arn not-an-arn                        | --stream-arn",
        "--table Orders --bogus                         | --bogus",
        "--table Orders --dry-run                       | --dry-run",
    })
    void run_withBadArguments_exitsWithTwoAndAMessageNamingTheArgument(String args, String named) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int exitCode = Tail.run(args.trim().split(" +"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        String message = err.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as(message).isEqualTo(Tail.EXIT_USAGE);
        assertThat(message.lines().findFirst().orElse("")).contains(named);
        assertThat(message).contains("Usage: ddb-tail");
        assertThat(out.size()).isZero();
    }

    @Test
    void run_withHelp_printsUsageToOutAndExitsWithZero() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int exitCode = Tail.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        assertThat(exitCode).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: ddb-tail", "--table", "--from", "--filter");
    }

    @Test
    void run_generateCompletion_printsABashCompletionScriptWithoutNeedingATable() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int exitCode = Tail.run(new String[] {"generate-completion"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(exitCode).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .startsWith("#!/usr/bin/env bash")
                .contains("complete -F _complete_ddb-tail", "--table", "--stream-arn", "--from", "--format");
    }

    @Test
    void startPosition_acceptsKeywordsInstantsOffsetsAndDurationsAgo() {
        Clock clock = Clock.fixed(Instant.parse("2025-01-31T12:00:00Z"), ZoneOffset.UTC);

        assertThat(Converters.startPosition("trim-horizon", clock)).isEqualTo(StartPosition.trimHorizon());
        assertThat(Converters.startPosition("LATEST", clock)).isEqualTo(StartPosition.latest());
        assertThat(Converters.startPosition("2025-01-31T10:00:00Z", clock))
                .isEqualTo(StartPosition.atTimestamp(Instant.parse("2025-01-31T10:00:00Z")));
        assertThat(Converters.startPosition("2025-01-31T11:00:00+01:00", clock))
                .isEqualTo(StartPosition.atTimestamp(Instant.parse("2025-01-31T10:00:00Z")));
        assertThat(Converters.startPosition("10m", clock))
                .isEqualTo(StartPosition.atTimestamp(Instant.parse("2025-01-31T11:50:00Z")));
        assertThat(Converters.startPosition("PT1H", clock))
                .isEqualTo(StartPosition.atTimestamp(Instant.parse("2025-01-31T11:00:00Z")));
        assertThatThrownBy(() -> Converters.startPosition("2025-13-01", clock))
                .isInstanceOf(TypeConversionException.class).hasMessageContaining("trim-horizon, latest");
    }

    @Test
    void duration_acceptsIsoAndShortForms() {
        assertThat(Converters.duration("PT1M")).isEqualTo(Duration.ofMinutes(1));
        assertThat(Converters.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Converters.duration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Converters.duration("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Converters.duration("1d")).isEqualTo(Duration.ofDays(1));
        assertThatThrownBy(() -> Converters.duration("5 minutes")).isInstanceOf(TypeConversionException.class);
    }

    @Test
    void imageFormat_writesNumbersExactlySetsAsArraysAndBinaryAsBase64() {
        ChangeRecord record = ChangeRecord.builder()
                .eventId("e1").eventName(EventName.INSERT).sequenceNumber("1")
                .keys(Map.of("pk", AttributeValue.fromS("a")))
                .newImage(Map.of("pk", AttributeValue.fromS("a"),
                        "n", AttributeValue.fromN("0.000000000000000000001"),
                        "ns", AttributeValue.fromNs(java.util.List.of("1", "2.5")),
                        "b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 3}))))
                .build();

        String json = RecordFormat.IMAGE.format(record);

        assertThat(json).doesNotContain("\n").contains("\"n\":0.000000000000000000001", "\"ns\":[1,2.5]",
                "\"b\":\"AQID\"", "\"pk\":\"a\"");
        assertThat(RecordFormat.KEYS.format(record)).isEqualTo("{\"pk\":\"a\"}");
        assertThat(RecordFormat.LAMBDA.format(record)).isEqualTo(record.toLambdaEventJson());
    }

    @Test
    void describe_joinsTheCausesThatAddSomething() {
        RuntimeException e = new RuntimeException("DescribeTable Orders failed 2 times",
                new IllegalStateException("Connection refused"));

        assertThat(TailCommand.describe(e)).isEqualTo("DescribeTable Orders failed 2 times: Connection refused");
    }
}
