package dev.osprey.model.cli;

import picocli.CommandLine.Option;

/** The {@code --threads} option of the benchmarks (a picocli mixin); two, one per core here. */
final class BenchThreads {

    @Option(names = "--threads", defaultValue = "2", description = "Intra-op threads (default: ${DEFAULT-VALUE}).")
    int threads;
}
