package io.github.ddbstreams.samples.tail;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.ddbstreams.receiver.StartPosition;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parsers of {@link Tail}'s option values; their messages become "Invalid value for option '--x': …". */
final class Converters {

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Converters() {
    }

    /**
     * A duration: ISO-8601 ({@code PT1M}, {@code PT0.5S}) or a count and a unit ({@code 500ms}, {@code 30s},
     * {@code 5m}, {@code 2h}, {@code 1d}).
     */
    static Duration duration(String text) {
        Matcher m = SHORT_DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms":
                    return Duration.ofMillis(amount);
                case "s":
                    return Duration.ofSeconds(amount);
                case "m":
                    return Duration.ofMinutes(amount);
                case "h":
                    return Duration.ofHours(amount);
                default:
                    return Duration.ofDays(amount);
            }
        }
        try {
            return Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new TypeConversionException("'" + text + "' is not a duration (e.g. 30s, 500ms, 5m or PT1M)");
        }
    }

    /**
     * A start position: {@code trim-horizon}, {@code latest}, an ISO-8601 instant ({@code 2025-01-31T12:00:00Z},
     * or with an offset: {@code 2025-01-31T13:00:00+01:00}), or a duration meaning that long ago ({@code 10m},
     * {@code PT10M}).
     */
    static StartPosition startPosition(String text, Clock clock) {
        String value = text.trim();
        switch (value.toLowerCase(Locale.ROOT)) {
            case "trim-horizon":
            case "trim_horizon":
                return StartPosition.trimHorizon();
            case "latest":
                return StartPosition.latest();
            default:
                break;
        }
        try {
            return StartPosition.atTimestamp(OffsetDateTime.parse(value).toInstant());
        } catch (DateTimeParseException notADateTime) {
            try {
                Duration ago = duration(value);
                return StartPosition.atTimestamp(Instant.now(clock).minus(ago));
            } catch (TypeConversionException notADuration) {
                throw new TypeConversionException("'" + text + "' is not trim-horizon, latest, an ISO-8601 time"
                        + " (e.g. 2025-01-31T12:00:00Z) or a duration ago (e.g. 10m)");
            }
        }
    }

    /** Picocli converter of {@link #duration(String)}. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return duration(value);
        }
    }

    /** Picocli converter of {@link #startPosition(String, Clock)} on the system clock. */
    static final class StartPositionConverter implements ITypeConverter<StartPosition> {
        @Override
        public StartPosition convert(String value) {
            return startPosition(value, Clock.systemUTC());
        }
    }
}
