package dev.osprey.model.bench;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.generate.TokenListener;
import dev.osprey.model.generate.Usage;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.pipeline.Answer;
import dev.osprey.model.pipeline.OspreyPipeline;
import dev.osprey.model.pipeline.Question;
import dev.osprey.model.text.TaskPrompt;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * The whole pipeline on a synthetic 640x480 image with eight synthetic rectangular regions, greedy:
 * time to first token of a first question about an image (vision, region tokens, whole-prompt prefill)
 * against a follow-up about the same image (prefix-cache hit: only the question's own tokens are
 * prefilled), and decode rates with 1 and 8 sequences stepping together.
 */
public final class GenerationBenchmark {

    private static final int WIDTH = 640;
    private static final int HEIGHT = 480;
    private static final int REGIONS = 8;

    /**
     * One question's timings.
     *
     * @param firstTokenMs   from the call to the first generated token (image decode, vision, region tokens, prefill)
     * @param decoderFirstMs the decoder's part of it ({@link Usage#timeToFirstToken()}: prefix lookup and prefill)
     * @param promptTokens   positions of each prompt
     * @param cachedTokens   of those, positions taken from the prefix cache
     * @param decodeTokensPerSecond after the first token: sequences × steps / the steps' wall time
     */
    public record Timing(int sequences, double firstTokenMs, double decoderFirstMs, int promptTokens, int cachedTokens,
            double decodeTokensPerSecond) {
    }

    /** The first question, the follow-ups with 1 and 8 regions, and what one cached prefix holds. */
    public record Result(Timing cold, Timing followUp, Timing followUp8, long prefixBytes, long hits, long misses) {
    }

    private GenerationBenchmark() {
    }

    /**
     * Runs a warm-up question about another image first, so that the cold figure measures a new image
     * rather than the first run of the sessions.
     *
     * @param newTokens tokens per answer, ≥ 2 (one to time the first token, the rest for the decode rate)
     */
    public static Result run(ModelBundle bundle, int threads, int newTokens, long cacheBytes) {
        if (newTokens < 2) {
            throw new IllegalArgumentException("the benchmark needs at least 2 new tokens, got " + newTokens);
        }
        List<BinaryMask> masks = masks();
        try (OspreyPipeline pipeline = new OspreyPipeline(bundle, threads, new PrefixCache(cacheBytes))) {
            ask(pipeline, png(1), masks.subList(0, 1), TaskPrompt.SHORT, 2);
            byte[] image = png(2);
            Timing cold = ask(pipeline, image, masks.subList(0, 1), TaskPrompt.SHORT, newTokens);
            long prefixBytes = pipeline.prefixCache().bytes() / pipeline.prefixCache().size();
            Timing followUp = ask(pipeline, image, masks.subList(1, 2), TaskPrompt.DETAILED, newTokens);
            Timing followUp8 = ask(pipeline, image, masks, TaskPrompt.DETAILED, newTokens);
            PrefixCache cache = pipeline.prefixCache();
            return new Result(cold, followUp, followUp8, prefixBytes, cache.hits(), cache.misses());
        }
    }

    private static Timing ask(OspreyPipeline pipeline, byte[] image, List<BinaryMask> masks, TaskPrompt task, int newTokens) {
        AtomicLong firstToken = new AtomicLong();
        TokenListener listener = (sequence, text, id) -> firstToken.compareAndSet(0, System.nanoTime());
        long start = System.nanoTime();
        List<Answer> answers = pipeline.answer(image, masks, new Question.Task(task),
                GenerationRequest.of(SamplingSettings.greedy(), newTokens).withListener(listener));
        // Every sequence steps until the longest ends, so the batch's steps are the longest answer's.
        Usage longest = answers.stream().map(Answer::usage).max((a, b) -> a.total().compareTo(b.total())).orElseThrow();
        int steps = answers.stream().mapToInt(a -> a.usage().completionTokens()).max().orElseThrow() - 1;
        double decodeSeconds = (longest.total().toNanos() - longest.timeToFirstToken().toNanos()) / 1e9;
        return new Timing(answers.size(), (firstToken.get() - start) / 1e6, longest.timeToFirstToken().toNanos() / 1e6,
                longest.promptTokens(), longest.cachedPromptTokens(), steps == 0 ? 0 : answers.size() * steps / decodeSeconds);
    }

    // Eight rectangles on a 4 x 2 grid.
    private static List<BinaryMask> masks() {
        List<BinaryMask> masks = new ArrayList<>(REGIONS);
        for (int r = 0; r < REGIONS; r++) {
            int x0 = (r % 4) * WIDTH / 4 + 10;
            int y0 = (r / 4) * HEIGHT / 2 + 10;
            byte[] pixels = new byte[WIDTH * HEIGHT];
            for (int y = y0; y < y0 + HEIGHT / 2 - 20; y++) {
                for (int x = x0; x < x0 + WIDTH / 4 - 20; x++) {
                    pixels[y * WIDTH + x] = 1;
                }
            }
            masks.add(new BinaryMask(HEIGHT, WIDTH, pixels));
        }
        return masks;
    }

    // A gradient with texture; the seed changes it, so that two seeds are two images.
    private static byte[] png(int seed) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                int r = x * 255 / WIDTH;
                int g = y * 255 / HEIGHT;
                int b = (((x / 7) ^ (y / 5)) * 13 * seed) & 0xff;
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
