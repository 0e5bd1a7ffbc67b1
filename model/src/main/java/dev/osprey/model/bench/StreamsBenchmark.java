package dev.osprey.model.bench;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.decode.Cancellation;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.generate.DecodeLoop;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.generate.TokenListener;
import dev.osprey.model.pipeline.Answer;
import dev.osprey.model.pipeline.Question;
import dev.osprey.model.pipeline.RegionChat;
import dev.osprey.model.region.RegionTokens;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

/**
 * Concurrent streams through the shared decode batch ({@link DecodeLoop}), in process: N questions,
 * each about an image of its own, start at once and decode greedily; measured are the aggregate
 * decode rate while all N are in the batch and the gaps between consecutive tokens of each stream.
 * The images are random image tokens whose prefixes are computed (and cached) before any timing, so
 * each question prefills only its own few tokens, as a follow-up or a warmed-up first question does.
 */
public final class StreamsBenchmark {

    private static final String QUESTION = "What is <region1>? Describe it in detail.";

    /**
     * One run of {@code streams} concurrent questions.
     *
     * @param aggregateTokensPerSecond tokens of all streams while every stream was in the batch, per second
     * @param interTokenP50Ms          median gap between consecutive tokens of a stream (after its second)
     * @param interTokenP90Ms          the 90th percentile of those gaps
     * @param firstTokenP50Ms          median time from a question's start to its first token (its prefill)
     * @param meanBatch                sequences per decoder step of the batch over the run
     */
    public record Row(int streams, double aggregateTokensPerSecond, double interTokenP50Ms, double interTokenP90Ms,
            double firstTokenP50Ms, double meanBatch) {
    }

    /** The runs, and how long computing the images' prefixes took beforehand. */
    public record Result(List<Row> rows, double prefixSeconds) {
    }

    private StreamsBenchmark() {
    }

    /**
     * Runs each count of {@code streams} in turn, after computing the prefixes of as many images as the
     * largest count and one short question to warm the sessions.
     *
     * @param sharing   the shared batch's bound (1: each question decodes on its own thread) and the prefills at once
     * @param newTokens tokens per answer; enough that the streams overlap for a while (e.g. 64)
     */
    public static Result run(ModelBundle bundle, int threads, int[] streams, int newTokens, RegionChat.Sharing sharing) {
        int images = Arrays.stream(streams).max().orElseThrow();
        try (RegionChat chat = new RegionChat(bundle, threads, new PrefixCache(Long.MAX_VALUE), null, sharing)) {
            List<float[]> imageTokens = IntStream.range(0, images).mapToObj(i -> random(chat.imageTokens() * chat.hidden(), i)).toList();
            RegionTokens region = new RegionTokens(random(chat.hidden(), -1), random(chat.hidden(), -2), 1, chat.hidden(), new int[1][]);
            long start = System.nanoTime();
            for (int i = 0; i < images; i++) {
                float[] tokens = imageTokens.get(i);
                chat.warm(imageId(i), () -> tokens, Cancellation.NONE);
            }
            double prefixSeconds = (System.nanoTime() - start) / 1e9;
            ask(chat, 0, imageTokens.getFirst(), region, 2, TokenListener.NONE);
            List<Row> rows = new ArrayList<>();
            for (int n : streams) {
                rows.add(streams(chat, n, imageTokens, region, newTokens));
            }
            return new Result(rows, prefixSeconds);
        }
    }

    private static Row streams(RegionChat chat, int n, List<float[]> imageTokens, RegionTokens region, int newTokens) {
        DecodeLoop loop = chat.decodeLoop();
        long steps = loop == null ? 0 : loop.steps();
        long stepRows = loop == null ? 0 : loop.stepRows();
        TokenTimes[] times = new TokenTimes[n];
        ExecutorService callers = Executors.newFixedThreadPool(n);
        try {
            long start = System.nanoTime();
            List<CompletableFuture<List<Answer>>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                TokenTimes streamTimes = new TokenTimes(newTokens);
                times[i] = streamTimes;
                int image = i;
                answers.add(CompletableFuture.supplyAsync(() -> ask(chat, image, imageTokens.get(image), region, newTokens, streamTimes),
                        callers));
            }
            answers.forEach(CompletableFuture::join);
            double meanBatch = loop == null ? 1 : (double) (loop.stepRows() - stepRows) / Math.max(1, loop.steps() - steps);
            return row(n, times, start, meanBatch);
        } finally {
            callers.shutdown();
        }
    }

    // The window in which every stream is in the batch: from the last stream's second token to the first stream's last.
    private static Row row(int n, TokenTimes[] times, long start, double meanBatch) {
        long from = Arrays.stream(times).mapToLong(t -> t.at(1)).max().orElseThrow();
        long to = Arrays.stream(times).mapToLong(TokenTimes::last).min().orElseThrow();
        long inWindow = Arrays.stream(times).mapToLong(t -> t.count(from, to)).sum();
        double aggregate = to > from ? inWindow / ((to - from) / 1e9) : Double.NaN;
        long[] gaps = Arrays.stream(times).flatMapToLong(TokenTimes::gapsAfterSecond).sorted().toArray();
        long[] firsts = Arrays.stream(times).mapToLong(t -> t.at(0) - start).sorted().toArray();
        return new Row(n, aggregate, percentile(gaps, 0.5) / 1e6, percentile(gaps, 0.9) / 1e6, percentile(firsts, 0.5) / 1e6, meanBatch);
    }

    private static List<Answer> ask(RegionChat chat, int image, float[] imageTokens, RegionTokens region, int newTokens,
            TokenListener listener) {
        RegionChat.Prompts prompts = chat.prompts(new Question.Prompt(QUESTION), 1);
        // Greedy without stop strings: on random weights a stream rarely ends before newTokens.
        return chat.answer(imageId(image), () -> imageTokens, region, prompts,
                GenerationRequest.of(SamplingSettings.greedy(), newTokens).withListener(listener));
    }

    private static String imageId(int image) {
        return "bench-image-" + image;
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    }

    private static float[] random(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02);
        }
        return values;
    }

    /** When each token of one stream arrived ({@link System#nanoTime()}). */
    private static final class TokenTimes implements TokenListener {
        private final long[] at;
        private int count;

        TokenTimes(int capacity) {
            this.at = new long[capacity];
        }

        @Override
        public void onToken(int sequence, String piece, int tokenId) {
            if (tokenId != NO_TOKEN) {
                at[count++] = System.nanoTime();
            }
        }

        long at(int token) {
            return at[Math.min(token, count - 1)];
        }

        long last() {
            return at[count - 1];
        }

        long count(long from, long to) {
            return Arrays.stream(at, 0, count).filter(t -> t > from && t <= to).count();
        }

        LongStream gapsAfterSecond() {
            return IntStream.range(2, count).mapToLong(i -> at[i] - at[i - 1]);
        }
    }
}
