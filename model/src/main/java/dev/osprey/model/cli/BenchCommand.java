package dev.osprey.model.cli;

import dev.osprey.model.bench.DecoderProfiling;
import dev.osprey.model.bench.ExtractorBenchmark;
import dev.osprey.model.bench.GenerationBenchmark;
import dev.osprey.model.bench.MachineBounds;
import dev.osprey.model.bench.OrtProfile;
import dev.osprey.model.bench.PreprocessBenchmark;
import dev.osprey.model.bench.SamBenchmark;
import dev.osprey.model.bench.StageBenchmarks;
import dev.osprey.model.bench.StreamsBenchmark;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.pipeline.RegionChat;
import dev.osprey.model.region.MaskExtractorWeights;
import dev.osprey.model.sam.SamPredictor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code osprey bench}: measures the machine and the model's stages for BENCHMARKS.md. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks for BENCHMARKS.md (not part of the serving path).",
        subcommands = {BenchCommand.Machine.class, BenchCommand.Vision.class, BenchCommand.Decoder.class,
            BenchCommand.Batch.class, BenchCommand.Profile.class, BenchCommand.Extractor.class, BenchCommand.Preprocess.class, BenchCommand.Generate.class,
            BenchCommand.Streams.class, BenchCommand.Sam.class})
final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "missing benchmark: machine, vision, decoder, batch, profile, extractor, preprocess, generate, streams or sam");
    }

    /** Memory bandwidth and GEMM peak. */
    @Command(name = "machine", mixinStandardHelpOptions = true, description = "Memory read bandwidth and fp32 and int8 GEMM peaks.")
    static final class Machine implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        BenchThreads threads;

        @Override
        public Integer call() throws Exception {
            MachineBounds.Bounds bounds = MachineBounds.measure(threads.threads);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("threads %d: memory read %.1f GB/s (Java), fp32 GEMV weight stream %.1f GB/s (ONNX Runtime), fp32 GEMM %.0f GFLOP/s, "
                    + "int8 GEMM %.0f GOP/s%n", bounds.threads(), bounds.readGBs(), bounds.gemvGBs(), bounds.gemmGflops(), bounds.int8Gops());
            return 0;
        }
    }

    /** Vision model ms/image against its FLOPs. */
    @Command(name = "vision", mixinStandardHelpOptions = true, description = "Vision tower + projector ms per 512x512 image.")
    static final class Vision implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        BundleOption bundle;

        @Mixin
        BenchThreads threads;

        @Option(names = "--runs", defaultValue = "3", description = "Timed runs after a warm-up (default: ${DEFAULT-VALUE}).")
        int runs;

        @Option(names = "--reference", paramLabel = "BUNDLE",
                description = "Also compare the features per level with this bundle's on the same pixels (e.g. int8 against fp32).")
        Path reference;

        @Option(names = "--image", paramLabel = "IMG", description = "Encode this image (PNG or JPEG) instead of random pixels.")
        Path image;

        @Override
        public Integer call() {
            ModelBundle opened = bundle.open();
            float[] pixels = image == null ? null
                    : new ImagePreprocessor(opened.manifest().image()).pixelValues(new ImageDecoder().decode(CliFiles.read(image, "image")));
            StageBenchmarks.VisionResult r = StageBenchmarks.vision(opened, reference == null ? null : ModelBundle.open(reference), pixels,
                    threads.threads, runs);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("vision (%s): %.0f ms/image (best of %d), %.1f GFLOP/image (%.1f in the block MLPs and projector), %.0f GFLOP/s%n",
                    r.precision(), r.msPerImage(), runs, r.flops().total() / 1e9, r.flops().pointwise() / 1e9, r.gflops());
            r.agreement().forEach(level -> out.println("  against " + reference + ": " + level));
            return 0;
        }
    }

    /** Decoder prefill and decode tokens/s. */
    @Command(name = "decoder", mixinStandardHelpOptions = true, description = "Decoder prefill and decode tokens/s.")
    static final class Decoder implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        BundleOption bundle;

        @Mixin
        BenchThreads threads;

        @Mixin
        DecoderWorkload workload;

        @Option(names = "--steps", defaultValue = "16", description = "Decode steps timed (default: ${DEFAULT-VALUE}).")
        int steps;

        @Override
        public Integer call() {
            StageBenchmarks.DecoderResult r = StageBenchmarks.decoder(bundle.open(), threads.threads, workload.prefill, workload.context,
                    steps);
            spec.commandLine().getOut().printf("decoder (%s KV cache%s): prefill %d tokens at %.1f tok/s; decode %.2f tok/s at an empty cache, "
                    + "%.2f tok/s at %d tokens%n", r.kvCache().label(), r.prefillGraph() ? ", prefill graph" : "", r.prefillTokens(),
                    r.prefillTokensPerSecond(),
                    r.decodeEmptyTokensPerSecond(), r.decodeAtContextTokensPerSecond(), r.context());
            return 0;
        }
    }

    /** Decode step time per batch size: what the shared decode loop's steps cost against a single stream's. */
    @Command(name = "batch", mixinStandardHelpOptions = true,
            description = "Decode step ms and tokens/s when one step advances 1, 2, 4, 8... sequences at once.")
    static final class Batch implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        BundleOption bundle;

        @Mixin
        BenchThreads threads;

        @Option(names = "--batches", defaultValue = "1,2,4,8", split = ",", description = "Batch sizes, in order (default: ${DEFAULT-VALUE}).")
        int[] batches;

        @Option(names = "--context", defaultValue = "1100", description = "KV positions of every sequence before the steps, at least 2 "
                + "(default: ${DEFAULT-VALUE}).")
        int context;

        @Option(names = "--steps", defaultValue = "9", description = "Timed steps per batch size; the median is shown (default: ${DEFAULT-VALUE}).")
        int steps;

        @Override
        public Integer call() {
            if (context < 2 || steps < 1 || Arrays.stream(batches).anyMatch(b -> b < 1)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "bench batch needs --context >= 2, --steps >= 1 and batch sizes >= 1");
            }
            List<StageBenchmarks.BatchStep> rows = StageBenchmarks.batchSteps(bundle.open(), threads.threads, batches, context, steps);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("| batch | ms / step | x batch 1 | tokens/s | x batch 1 |%n|---|---|---|---|---|%n");
            StageBenchmarks.BatchStep one = rows.getFirst();
            for (StageBenchmarks.BatchStep row : rows) {
                out.printf("| %d | %.1f | %.2f | %.2f | %.2f |%n", row.batch(), row.msPerStep(), row.msPerStep() / one.msPerStep(),
                        row.tokensPerSecond(), row.tokensPerSecond() / one.tokensPerSecond());
            }
            return 0;
        }
    }

    /** ONNX Runtime's per-op profile of a prefill chunk and of a decode step at a filled cache. */
    @Command(name = "profile", mixinStandardHelpOptions = true,
            description = "Per-op time of a decoder prefill chunk and of a decode step at a filled cache (ONNX Runtime's profiler).")
    static final class Profile implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        BundleOption bundle;

        @Mixin
        BenchThreads threads;

        @Mixin
        DecoderWorkload workload;

        @Option(names = "--steps", defaultValue = "8", description = "Decode steps profiled, the first a warm-up (default: ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--out", required = true, description = "Folder for the profile JSON and the optimised model.")
        Path out;

        @Override
        public Integer call() throws IOException {
            Files.createDirectories(out);
            DecoderProfiling.Result r = DecoderProfiling.run(bundle.open(), threads.threads, workload.prefill, workload.context,
                    Math.max(2, steps), out);
            PrintWriter w = spec.commandLine().getOut();
            table(w, "prefill of " + workload.prefill + " tokens: " + String.format("%.0f ms", r.prefillMs()), r.prefill());
            table(w, "decode step at " + workload.context + " positions: " + String.format("%.1f ms", r.stepMs()), r.step());
            w.printf("profiles: %s%noptimised models in: %s%n", r.profiles(), r.dir());
            return 0;
        }

        private static void table(PrintWriter w, String title, List<OrtProfile.OpTime> ops) {
            w.printf("%n%s%n%n| op | ms | share | nodes |%n|---|---|---|---|%n", title);
            for (OrtProfile.OpTime op : ops) {
                w.printf("| %s | %.2f | %.1f %% | %.0f |%n", op.op(), op.microsPerRun() / 1e3, op.share() * 100, op.nodesPerRun());
            }
        }
    }

    /** MaskExtractor ms per call for 1 and 16 regions, one thread. */
    @Command(name = "extractor", mixinStandardHelpOptions = true, description = "MaskExtractor ms per call (1 and 16 regions, one thread).")
    static final class Extractor implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        BundleOption bundle;

        @Option(names = "--runs", defaultValue = "100", description = "Timed calls (default: ${DEFAULT-VALUE}).")
        int runs;

        @Override
        public Integer call() {
            ModelBundle opened = bundle.open();
            PrintWriter out = spec.commandLine().getOut();
            MaskExtractorWeights weights = ExtractorBenchmark.load(opened);
            out.printf("extractor weights read per call: at most %.1f MB (bf16)%n", weights.weightBytes() / 1e6);
            for (int regions : new int[] {1, 16}) {
                ExtractorBenchmark.Result r = ExtractorBenchmark.run(weights, opened, regions, 480, 640, runs);
                out.printf("extractor: %2d region(s) on 640x480: median %.2f ms, fastest %.2f ms%n", regions, r.medianMs(), r.fastestMs());
            }
            return 0;
        }
    }

    /** Decode + preprocessing of a large JPEG, one thread. */
    @Command(name = "preprocess", mixinStandardHelpOptions = true, description = "JPEG decode + reference preprocessing ms per image.")
    static final class Preprocess implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--width", defaultValue = "4000", description = "Image width (default: ${DEFAULT-VALUE}).")
        int width;

        @Option(names = "--height", defaultValue = "3000", description = "Image height (default: ${DEFAULT-VALUE}).")
        int height;

        @Option(names = "--runs", defaultValue = "7", description = "Timed runs (default: ${DEFAULT-VALUE}).")
        int runs;

        @Override
        public Integer call() {
            PreprocessBenchmark.Result r = PreprocessBenchmark.run(width, height, runs);
            spec.commandLine().getOut().printf("preprocess: %dx%d JPEG (%d KB): decode %.0f ms, decode + preprocess %.0f ms (median)%n",
                    r.width(), r.height(), r.jpegBytes() / 1024, r.decodeMs(), r.totalMs());
            return 0;
        }
    }

    /** The whole pipeline: first question vs follow-up (prefix cache), decode rates for 1 and 8 sequences. */
    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Time to first token (first question vs follow-up about the same image) and decode tok/s for 1 and 8 sequences.")
    static final class Generate implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        BundleOption bundle;

        @Mixin
        BenchThreads threads;

        @Option(names = "--new-tokens", defaultValue = "16", description = "Tokens per answer, at least 2 (default: ${DEFAULT-VALUE}).")
        int newTokens;

        @Option(names = "--prefix-cache-mb", defaultValue = "4096", description = "Prefix cache bound in MiB (default: ${DEFAULT-VALUE}).")
        long cacheMb;

        @Override
        public Integer call() {
            GenerationBenchmark.Result r = GenerationBenchmark.run(bundle.open(), threads.threads, newTokens, cacheMb << 20);
            PrintWriter out = spec.commandLine().getOut();
            print(out, "first question", r.cold());
            print(out, "follow-up", r.followUp());
            print(out, "follow-up x8", r.followUp8());
            out.printf("prefix cache: %.1f MiB per cached prefix; %d hits, %d misses%n", r.prefixBytes() / 1048576.0, r.hits(), r.misses());
            return 0;
        }

        private static void print(PrintWriter out, String what, GenerationBenchmark.Timing t) {
            out.printf("%-15s %d seq: first token %.0f ms (decoder %.0f ms; prompt %d tokens, %d from the prefix cache); decode %.2f tok/s%n",
                    what, t.sequences(), t.firstTokenMs(), t.decoderFirstMs(), t.promptTokens(), t.cachedTokens(), t.decodeTokensPerSecond());
        }
    }

    /** Concurrent streams through the shared decode batch: aggregate decode tok/s and inter-token gaps per stream count. */
    @Command(name = "streams", mixinStandardHelpOptions = true,
            description = "N concurrent questions about N images through the shared decode batch: aggregate decode tok/s and "
                    + "per-stream inter-token p50, for each N.")
    static final class Streams implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        BundleOption bundle;

        @Mixin
        BenchThreads threads;

        @Option(names = "--streams", defaultValue = "1,2,4,8", split = ",",
                description = "Concurrent streams per run, in order (default: ${DEFAULT-VALUE}).")
        int[] streams;

        @Option(names = "--new-tokens", defaultValue = "64", description = "Tokens per answer (default: ${DEFAULT-VALUE}).")
        int newTokens;

        @Option(names = "--max-batch", description = "The shared batch's bound (default: the largest stream count); "
                + "1 decodes each stream on its own, as without the shared batch.")
        Integer maxBatch;

        @Option(names = "--prefills", defaultValue = "2", description = "Prompt prefills at once (default: ${DEFAULT-VALUE}).")
        int prefills;

        @Override
        public Integer call() {
            int batch = maxBatch != null ? maxBatch : Arrays.stream(streams).max().orElse(1);
            StreamsBenchmark.Result r = StreamsBenchmark.run(bundle.open(), threads.threads, streams, newTokens,
                    new RegionChat.Sharing(batch, prefills));
            PrintWriter out = spec.commandLine().getOut();
            out.printf("max batch %d, %d prefill(s) at once, %d new tokens per stream; image prefixes computed beforehand in %.1f s%n%n",
                    batch, prefills, newTokens, r.prefixSeconds());
            out.printf("| streams | aggregate decode tok/s | x 1 stream | inter-token p50 ms | x 1 stream | p90 ms | first token p50 ms "
                    + "| mean batch |%n|---|---|---|---|---|---|---|---|%n");
            StreamsBenchmark.Row one = r.rows().getFirst();
            for (StreamsBenchmark.Row row : r.rows()) {
                out.printf("| %d | %.2f | %.2f | %.1f | %.2f | %.1f | %.0f | %.2f |%n", row.streams(), row.aggregateTokensPerSecond(),
                        row.aggregateTokensPerSecond() / one.aggregateTokensPerSecond(), row.interTokenP50Ms(),
                        row.interTokenP50Ms() / one.interTokenP50Ms(), row.interTokenP90Ms(), row.firstTokenP50Ms(), row.meanBatch());
            }
            return 0;
        }
    }

    /** Segment Anything: image embedding ms, prompt decoding ms per click and per batch of clicks. */
    @Command(name = "sam", mixinStandardHelpOptions = true,
            description = "SAM: preprocessing, image embedding, one click, a batch of clicks, one mask to image size (medians, ms).")
    static final class Sam implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        SamModelOption model;

        @Mixin
        BenchThreads threads;

        @Option(names = "--image", required = true, paramLabel = "IMG", description = "The image to embed and click on.")
        Path image;

        @Option(names = "--runs", defaultValue = "5", description = "Timed runs per stage after a warm-up (default: ${DEFAULT-VALUE}).")
        int runs;

        @Option(names = "--batch", defaultValue = "64", description = "Clicks decoded in one run (default: ${DEFAULT-VALUE}).")
        int batch;

        @Override
        public Integer call() {
            RgbImage decoded = new ImageDecoder().decode(CliFiles.read(image, "image"));
            try (SamPredictor sam = model.open(threads.threads)) {
                SamBenchmark.Result r = SamBenchmark.run(sam, decoded, runs, batch);
                spec.commandLine().getOut().printf("sam %s on %dx%d, %d thread(s): preprocess %.1f ms, image embedding %.0f ms, one click %.1f ms,"
                        + " %d clicks %.1f ms (%.2f ms each), mask to image size %.1f ms%n", r.variant(), r.width(), r.height(), threads.threads,
                        r.preprocessMs(), r.embedMs(), r.clickMs(), r.batch(), r.batchMs(), r.batchMs() / r.batch(), r.maskMs());
            }
            return 0;
        }
    }
}
