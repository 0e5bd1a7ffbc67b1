package dev.osprey.model.bench;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.osprey.model.onnx.ExternalData;
import dev.osprey.model.onnx.OnnxGraph;
import dev.osprey.model.onnx.OrtSessions;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;

/**
 * What this machine can do at best: memory read bandwidth (the bound of weight-streaming decode)
 * and ONNX Runtime's fp32 and int8 GEMM throughput (the bounds of compute-heavy stages).
 */
public final class MachineBounds {

    /**
     * @param readGBs    memory read bandwidth of a plain Java reduction, GB/s
     * @param gemvGBs    weight bytes per second ONNX Runtime streams through an fp32 GEMV (1 GiB of
     *                   weights, far beyond the caches): the bound for weight-streaming decode
     * @param gemmGflops fp32 GEMM GFLOP/s
     * @param int8Gops   int8 GEMM (uint8 x int8, int32 sums) GOP/s, counting a multiply-add as two like the FLOPs
     */
    public record Bounds(double readGBs, double gemvGBs, double gemmGflops, double int8Gops, int threads) {
    }

    /** The GEMM of the peak measurements: [M, K] x [K, N], a prefill-sized square. */
    private static final int GEMM_M = 512;
    private static final int GEMM_K = 4096;
    private static final int GEMM_N = 4096;

    /** Consumes the sums so that the JIT cannot drop the reads. */
    private static volatile long sink;

    private MachineBounds() {
    }

    /** Measures every bound with {@code threads} threads (best of several runs). */
    public static Bounds measure(int threads) throws Exception {
        return new Bounds(readBandwidth(threads), gemvBandwidth(threads), gemmPeak(threads), int8GemmPeak(threads), threads);
    }

    /** Sums 1 GiB of longs in parallel (one array per thread); bytes read per second, best of 5. */
    static double readBandwidth(int threads) throws Exception {
        int perThread = (int) ((1L << 27) / threads);
        long[][] parts = new long[threads][perThread];
        for (long[] part : parts) {
            java.util.Arrays.setAll(part, i -> i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            double best = 0;
            for (int run = 0; run < 5; run++) {
                long start = System.nanoTime();
                Future<?>[] sums = new Future<?>[threads];
                for (int t = 0; t < threads; t++) {
                    long[] part = parts[t];
                    sums[t] = pool.submit(() -> sum(part));
                }
                for (Future<?> part : sums) {
                    sink += (Long) part.get();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, (double) perThread * threads * 8 / seconds / 1e9);
            }
            return best;
        } finally {
            pool.shutdown();
        }
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }

    /** An fp32 GEMV [1, 8192] x [8192, 32768] (1 GiB of weights) in ONNX Runtime; weight bytes/s, best of 5. */
    static double gemvBandwidth(int threads) throws IOException, OrtException {
        int k = 8192;
        int n = 32768;
        Path dir = Files.createTempDirectory("osprey-gemv");
        try {
            Path model = dir.resolve("gemv.onnx");
            try (ExternalData data = new ExternalData(dir.resolve("gemv.onnx.data"))) {
                OnnxGraph graph = new OnnxGraph("gemv", data);
                String x = graph.input("x", DType.F32, 1, k);
                float[] w = new float[k * n];
                SplittableRandom random = new SplittableRandom(2);
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) random.nextDouble(-0.01, 0.01);
                }
                graph.output(graph.op("MatMul").in(x, graph.weight("w", Tensor.ofFloats("w", new long[] {k, n}, w))).out("y"),
                        DType.F32, 1, n);
                graph.save(model, OnnxGraph.OPSET, false);
            }
            return bestRate(model, "x", floatZeros(1, k), 4.0 * k * n / 1e9, threads);
        } finally {
            deleteDir(dir);
        }
    }

    /** An input of zeros [rows, cols]. */
    private interface Zeros {
        OnnxTensor create(OrtEnvironment env) throws OrtException;
    }

    private static Zeros floatZeros(int rows, int cols) {
        return env -> OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[rows * cols]), new long[] {rows, cols});
    }

    /** Runs the model 6 times on zeros and returns {@code work} per second of the best of the last 5. */
    private static double bestRate(Path model, String inputName, Zeros zeros, double work, int threads) throws OrtException {
        try (OrtSession session = OrtSessions.open(model, threads, OrtSessions.Memory.ARENA);
                OnnxTensor input = zeros.create(OrtEnvironment.getEnvironment())) {
            double best = 0;
            for (int run = 0; run < 6; run++) {
                long start = System.nanoTime();
                try (OrtSession.Result ignored = session.run(Map.of(inputName, input))) {
                    double seconds = (System.nanoTime() - start) / 1e9;
                    if (run > 0) {
                        best = Math.max(best, work / seconds);
                    }
                }
            }
            return best;
        }
    }

    /** An fp32 MatMul [512, 4096] x [4096, 4096] in ONNX Runtime; FLOP/s, best of 5. */
    static double gemmPeak(int threads) throws IOException, OrtException {
        float[] w = new float[GEMM_K * GEMM_N];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextDouble(-0.01, 0.01);
        }
        return gemmRate("gemm", DType.F32, DType.F32, floatZeros(GEMM_M, GEMM_K), threads,
                (graph, x) -> graph.op("MatMul").in(x, graph.weight("w", Tensor.ofFloats("w", new long[] {GEMM_K, GEMM_N}, w))).out("y"));
    }

    /**
     * The same GEMM in int8: MatMulInteger of uint8 [512, 4096] (zero point 128) by int8 [4096, 4096]
     * to int32, the kernel of the int8 vision graph and prefill ({@link dev.osprey.model.onnx.RowQuantizedMatMul});
     * operations (2 per multiply-add) per second, best of 5.
     */
    static double int8GemmPeak(int threads) throws IOException, OrtException {
        byte[] w = new byte[GEMM_K * GEMM_N];
        new SplittableRandom(1).nextBytes(w);
        Zeros codes = env -> OnnxTensor.createTensor(env, ByteBuffer.allocateDirect(GEMM_M * GEMM_K), new long[] {GEMM_M, GEMM_K},
                OnnxJavaType.UINT8);
        return gemmRate("gemm_int8", DType.U8, DType.I32, codes, threads, (graph, x) -> {
            String zero = graph.weight("x_zero", new Tensor("x_zero", DType.U8, new long[0], ByteBuffer.wrap(new byte[] {(byte) 128})));
            String weights = graph.weight("w", new Tensor("w", DType.I8, new long[] {GEMM_K, GEMM_N}, ByteBuffer.wrap(w)));
            return graph.op("MatMulInteger").in(x, weights, zero).out("y");
        });
    }

    /** Operations per second of the GEMM that {@code product} adds to a graph of input x [512, 4096]. */
    private static double gemmRate(String name, DType input, DType output, Zeros zeros, int threads,
            BiFunction<OnnxGraph, String, String> product) throws IOException, OrtException {
        Path dir = Files.createTempDirectory("osprey-" + name);
        try {
            OnnxGraph graph = new OnnxGraph(name, null);
            graph.output(product.apply(graph, graph.input("x", input, GEMM_M, GEMM_K)), output, GEMM_M, GEMM_N);
            Path model = dir.resolve(name + ".onnx");
            graph.save(model, OnnxGraph.OPSET, false);
            return bestRate(model, "x", zeros, 2.0 * GEMM_M * GEMM_K * GEMM_N / 1e9, threads);
        } finally {
            deleteDir(dir);
        }
    }

    private static void deleteDir(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }
}
