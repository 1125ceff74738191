package io.github.ddbstreams.operators.filter;

/**
 * A filter pattern that is not valid Lambda event-filtering syntax.
 *
 * <p>Thrown by {@link FilterPattern#parse(String)}, {@link FilterCriteria} and {@link Filters} when the pattern
 * is assembled, never while records flow. The message starts with the JSON path of the offending part of the
 * pattern, e.g. {@code dynamodb.NewImage.price.N: "numeric" needs an array like [">", 0], got "abc"}.
 *
 * <pre>{@code
 * try {
 *     FilterPattern.parse(userInput);
 * } catch (InvalidFilterPatternException e) {
 *     log.warn("bad filter at {}: {}", e.path(), e.getMessage());
 * }
 * }</pre>
 */
public final class InvalidFilterPatternException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String path;

    InvalidFilterPatternException(String path, String problem) {
        super(path.isEmpty() ? problem : path + ": " + problem);
        this.path = path;
    }

    InvalidFilterPatternException(String message, String path, Throwable cause) {
        super(message, cause);
        this.path = path;
    }

    /**
     * The JSON path of the offending part of the pattern, e.g. {@code dynamodb.NewImage.price.N} or
     * {@code eventName[1]}; empty when the pattern as a whole is at fault (not JSON, not an object).
     */
    public String path() {
        return path;
    }
}
