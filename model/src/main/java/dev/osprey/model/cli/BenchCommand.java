package dev.osprey.model.cli;

import dev.osprey.model.bench.MachineBounds;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code osprey bench}: measures the machine and the model's stages for BENCHMARKS.md. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks for BENCHMARKS.md (not part of the serving path).",
        subcommands = {BenchCommand.Machine.class})
final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing benchmark: machine");
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
}
