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
}
