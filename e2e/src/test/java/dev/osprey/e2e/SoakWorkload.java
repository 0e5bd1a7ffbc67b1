package dev.osprey.e2e;

import dev.osprey.e2e.SoakOutcome.Kind;
import dev.osprey.e2e.SoakOutcome.Verdict;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's mix of requests, each tenant (API key) about its own images: new and repeated uploads,
 * questions over REST JSON, SSE and gRPC, deletes, and clients that give up mid-upload or mid-stream.
 * It keeps each tenant's live images, and every outcome goes to the judge. A question whose image an
 * encoder restart lost is followed by the upload a real client would make.
 */
final class SoakWorkload {

    /** The mix, in percent of requests. */
    private static final Map<Kind, Integer> MIX = Map.of(
            Kind.UPLOAD_NEW, 8, Kind.UPLOAD_AGAIN, 6, Kind.ASK_JSON, 24, Kind.ASK_SSE, 20, Kind.ASK_GRPC, 20, Kind.DELETE, 5,
            Kind.ABORT_UPLOAD, 5, Kind.ABORT_SSE, 6, Kind.ABORT_GRPC, 6);
    /** Deletes leave at least this many images to a tenant. */
    private static final int KEPT_IMAGES = 4;

    private final List<Kind> draws = new ArrayList<>();
    private final SoakClient client;
    private final SoakJudge judge;
    private final Map<String, List<SoakImage>> images = new ConcurrentHashMap<>();
    private final AtomicLong seeds = new AtomicLong();

    SoakWorkload(SoakClient client, SoakJudge judge) {
        this.client = client;
        this.judge = judge;
        MIX.forEach((kind, percent) -> draws.addAll(Collections.nCopies(percent, kind)));
    }

    /** Uploads an image the tenant starts with; the outcome says whether it took. */
    SoakOutcome seed(SoakImage image) {
        return upload(Kind.UPLOAD_NEW, image);
    }

    /** A new image for {@code tenant}, different from every other. */
    SoakImage newImage(String tenant) {
        return SoakImage.generated(tenant, seeds.incrementAndGet());
    }

    /** One request of the mix, drawn now, for {@code tenant}. */
    Runnable next(String tenant) {
        Kind kind = draws.get(ThreadLocalRandom.current().nextInt(draws.size()));
        return () -> run(kind, tenant);
    }

    private void run(Kind kind, String tenant) {
        List<SoakQuestion> questions = SoakQuestion.MIX;
        switch (kind) {
            case UPLOAD_NEW -> upload(kind, newImage(tenant));
            case UPLOAD_AGAIN -> upload(kind, any(tenant));
            case ASK_JSON, ASK_SSE, ASK_GRPC -> ask(kind, any(tenant), questions.get(ThreadLocalRandom.current().nextInt(questions.size())));
            case ABORT_SSE, ABORT_GRPC -> ask(kind, any(tenant), SoakQuestion.LONG);
            case DELETE -> delete(tenant);
            case ABORT_UPLOAD -> judge.accept(client.abortUpload(newImage(tenant)));
        }
    }

    /** Asks {@code question} about {@code image} over {@code kind}'s protocol. */
    SoakOutcome ask(Kind kind, SoakImage image, SoakQuestion question) {
        SoakOutcome outcome = switch (kind) {
            case ASK_JSON -> client.askJson(image, question);
            case ASK_SSE, ABORT_SSE -> client.askSse(image, question, kind == Kind.ABORT_SSE);
            case ASK_GRPC, ABORT_GRPC -> client.askGrpc(image, question, kind == Kind.ABORT_GRPC);
            default -> throw new IllegalArgumentException(kind + " is not a question");
        };
        judge.accept(outcome);
        return outcome;
    }

    private SoakOutcome upload(Kind kind, SoakImage image) {
        SoakOutcome outcome = client.upload(kind, image);
        judge.accept(outcome);
        if (outcome.verdict() == Verdict.OK) {
            image.id = outcome.answer();
            if (kind == Kind.UPLOAD_NEW) {
                pool(image.tenant).add(image);
            }
        }
        return outcome;
    }

    private void delete(String tenant) {
        SoakImage image = removeOne(tenant);
        if (image == null) {
            upload(Kind.UPLOAD_NEW, newImage(tenant));
            return;
        }
        // Marked before it is sent: a question already under way may get 404 from here on.
        image.deleteIssuedAt = System.nanoTime();
        judge.accept(client.delete(image));
    }

    /** A live image of the tenant; its pinned image a quarter of the time, so the fixed greedy questions recur. */
    private SoakImage any(String tenant) {
        List<SoakImage> pool = pool(tenant);
        synchronized (pool) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            if (pool.getFirst().pinned && random.nextInt(4) == 0) {
                return pool.getFirst();
            }
            return pool.get(random.nextInt(pool.size()));
        }
    }

    private SoakImage removeOne(String tenant) {
        List<SoakImage> pool = pool(tenant);
        synchronized (pool) {
            int index = ThreadLocalRandom.current().nextInt(pool.size());
            if (pool.size() <= KEPT_IMAGES || pool.get(index).pinned) {
                return null;
            }
            return pool.remove(index);
        }
    }

    private List<SoakImage> pool(String tenant) {
        return images.computeIfAbsent(tenant, t -> Collections.synchronizedList(new ArrayList<>()));
    }
}
