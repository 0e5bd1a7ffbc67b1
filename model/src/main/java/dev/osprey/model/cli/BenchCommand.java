package dev.osprey.model.cli;

import dev.osprey.model.bench.MachineBounds;
import dev.osprey.model.bench.StageBenchmarks;
import dev.osprey.model.bundle.ModelBundle;
import java.nio.file.Path;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code osprey bench}: measures the machine and the model's stages for BENCHMARKS.md. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks for BENCHMARKS.md (not part of the serving path).",
        subcommands = {BenchCommand.Machine.class, BenchCommand.Vision.class, BenchCommand.Decoder.class})
final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing benchmark: machine, vision or decoder");
    }

    /** Memory bandwidth and GEMM peak. */
    @Command(name = "machine", mixinStandardHelpOptions = true, description = "Memory read bandwidth and fp32 GEMM peak.")
    static final class Machine implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--threads", defaultValue = "2", description = "Threads (default: ${DEFAULT-VALUE}).")
        int threads;

        @Override
        public Integer call() throws Exception {
            MachineBounds.Bounds bounds = MachineBounds.measure(threads);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("threads %d: memory read %.1f GB/s, fp32 GEMM %.0f GFLOP/s%n", bounds.threads(), bounds.readGBs(), bounds.gemmGflops());
            return 0;
        }
    }

    /** Vision model ms/image against its FLOPs. */
    @Command(name = "vision", mixinStandardHelpOptions = true, description = "Vision tower + projector ms per 512x512 image.")
    static final class Vision implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "BUNDLE", description = "Model bundle directory.")
        Path model;

        @Option(names = "--threads", defaultValue = "2", description = "Intra-op threads (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--runs", defaultValue = "3", description = "Timed runs after a warm-up (default: ${DEFAULT-VALUE}).")
        int runs;

        @Override
        public Integer call() {
            StageBenchmarks.VisionResult r = StageBenchmarks.vision(ModelBundle.open(model), threads, runs);
            spec.commandLine().getOut().printf("vision: %.0f ms/image (best of %d), %.1f GFLOP/image, %.0f GFLOP/s%n",
                    r.msPerImage(), runs, r.flopsPerImage() / 1e9, r.gflops());
            return 0;
        }
    }

    /** Decoder prefill and decode tokens/s. */
    @Command(name = "decoder", mixinStandardHelpOptions = true, description = "Decoder prefill and decode tokens/s.")
    static final class Decoder implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "BUNDLE", description = "Model bundle directory.")
        Path model;

        @Option(names = "--threads", defaultValue = "2", description = "Intra-op threads (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--prefill", defaultValue = "512", description = "Tokens per prefill call (default: ${DEFAULT-VALUE}).")
        int prefill;

        @Option(names = "--context", defaultValue = "1100", description = "KV positions filled before decoding (default: ${DEFAULT-VALUE}).")
        int context;

        @Option(names = "--steps", defaultValue = "16", description = "Decode steps timed (default: ${DEFAULT-VALUE}).")
        int steps;

        @Override
        public Integer call() {
            StageBenchmarks.DecoderResult r = StageBenchmarks.decoder(ModelBundle.open(model), threads, prefill, context, steps);
            spec.commandLine().getOut().printf("decoder: prefill %d tokens at %.1f tok/s; decode %.2f tok/s at an empty cache, %.2f tok/s at %d tokens%n",
                    r.prefillTokens(), r.prefillTokensPerSecond(), r.decodeEmptyTokensPerSecond(), r.decodeAtContextTokensPerSecond(), r.context());
            return 0;
        }
    }
}
