package dev.osprey.model.cli;

import picocli.CommandLine.Option;

/** What the decoder benchmarks run (a picocli mixin): a prefill chunk, then steps at a filled cache. */
final class DecoderWorkload {

    @Option(names = "--prefill", defaultValue = "512", description = "Tokens of the prefill chunk (default: ${DEFAULT-VALUE}).")
    int prefill;

    @Option(names = "--context", defaultValue = "1100", description = "KV positions filled before the decode steps (default: ${DEFAULT-VALUE}).")
    int context;
}
