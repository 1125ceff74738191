package io.github.ddbstreams.benchmarks;

import java.util.function.BiConsumer;

/** The benchmarks' command lines: {@code --name value} pairs. */
final class CommandLine {

    private CommandLine() {
    }

    /** Calls {@code option} with each name and its value, in order; a name without a value is an error. */
    static void forEachOption(String[] args, BiConsumer<String, String> option) {
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Missing value of " + args[i]);
            }
            option.accept(args[i], args[i + 1]);
        }
    }

    /** {@code MIN,MAX} or a single value (both ends) as {@code {min, max}}, e.g. {@code --latency-ms 5,15}. */
    static int[] minMax(String value) {
        int[] v = java.util.Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
        return new int[] {v[0], v.length > 1 ? v[1] : v[0]};
    }
}
