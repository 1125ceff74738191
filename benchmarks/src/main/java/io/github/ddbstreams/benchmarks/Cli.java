package io.github.ddbstreams.benchmarks;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * What the benchmarks' command lines (picocli) share: the {@code --help} option, {@code MIN,MAX} ranges, and the
 * two ways in: {@link #parse} (tests; a bad argument throws) and {@link #execute} (mains; {@code --help} prints the
 * usage, a bad argument prints a message naming the option and the usage on stderr, exit code 2).
 */
final class Cli {

    private Cli() {
    }

    /** Parses {@code args} into {@code options} (a picocli {@code @Command}) and returns it. */
    static <T> T parse(T options, String... args) {
        commandLine(options).parseArgs(args);
        return options;
    }

    /**
     * Parses {@code args} into {@code command} and calls it: its result is the exit code; {@code --help} gives 0,
     * a bad argument 2 (picocli's conventions).
     */
    static int execute(Callable<Integer> command, String... args) {
        return commandLine(command).execute(args);
    }

    /** The picocli command line of {@code options}, as {@link #parse} and {@link #execute} configure it. */
    static CommandLine commandLine(Object options) {
        return new CommandLine(options).setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** {@code -h}, {@code --help}: mixed into every benchmark's options. */
    static final class Help {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print this help and exit.")
        boolean help;
    }

    /** An inclusive range of non-negative ints, written {@code MIN,MAX} or one value for both ends ({@code 5}). */
    record Range(int min, int max) {

        @Override
        public String toString() {
            return min + "," + max;
        }
    }

    /** Reads a {@link Range}; its message becomes "Invalid value for option '--x': …". */
    static final class RangeConverter implements ITypeConverter<Range> {
        @Override
        public Range convert(String value) {
            String[] ends = value.split(",", -1);
            if (ends.length > 2) {
                throw new TypeConversionException("'" + value + "' is not MIN,MAX or one number");
            }
            try {
                int min = Integer.parseInt(ends[0].trim());
                int max = ends.length == 2 ? Integer.parseInt(ends[1].trim()) : min;
                if (min < 0 || max < min) {
                    throw new TypeConversionException("'" + value + "': MIN,MAX must have 0 <= MIN <= MAX");
                }
                return new Range(min, max);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not MIN,MAX or one number");
            }
        }
    }
}
