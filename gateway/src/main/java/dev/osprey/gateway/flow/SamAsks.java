package dev.osprey.gateway.flow;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.DescribeAllRequest;
import dev.osprey.api.v1.DescribedMask;
import dev.osprey.api.v1.Finished;
import dev.osprey.api.v1.Point;
import dev.osprey.api.v1.PointLabel;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.SegmentRequest;
import dev.osprey.api.v1.SegmentResponse;
import dev.osprey.api.v1.Task;
import dev.osprey.gateway.access.Tenant;
import dev.osprey.internal.v1.AutomaticMask;
import dev.osprey.internal.v1.AutomaticParameters;
import dev.osprey.internal.v1.SegmentAllResponse;
import dev.osprey.model.error.OspreyException;
import io.grpc.Deadline;
import java.util.List;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The Segment Anything calls of the public API: the masks of a prompt, for a client to show before it
 * asks ({@link #segment}); and "describe everything" ({@link #describeAll}): every mask of SAM's
 * automatic generator with a short description each, asked in questions of a few masks at a time,
 * a few questions at once, so that the llm-service decodes their answers in one shared batch.
 */
public final class SamAsks {

    private record Found(String imageId, SegmentAllResponse masks) {
    }

    private final RegionAsks asks;
    private final Segmentations segmentations;
    private final AskLimits limits;
    private final DescribeLimits describe;

    public SamAsks(RegionAsks asks, Segmentations segmentations, AskLimits limits, DescribeLimits describe) {
        this.asks = asks;
        this.segmentations = segmentations;
        this.limits = limits;
        this.describe = describe;
    }

    /** The masks of a prompt on an image of {@code tenant}'s (see {@link Segmentations#segment}). */
    public Mono<SegmentResponse> segment(Tenant tenant, SegmentRequest request) {
        return Mono.defer(() -> {
            SamPrompts.validate("", request.getPrompt(), limits.maxPoints());
            // The image's first click computes its SAM embedding: as long as a question may take.
            Deadline deadline = Deadline.after(limits.deadline().toMillis(), TimeUnit.MILLISECONDS);
            return asks.onImage(tenant, request.getImage(), deadline, new StageClock(),
                    imageId -> segmentations.segment(imageId, request.getPrompt(), request.getMultimask(), deadline).flux()).single();
        });
    }

    /**
     * Every mask SAM's automatic generator finds (at most the request's cap, itself at most
     * {@link DescribeLimits#maxMasks}), each with the short-description task's answer, in the order
     * the answers finish.
     */
    public Flux<DescribedMask> describeAll(Tenant tenant, DescribeAllRequest request) {
        return Flux.defer(() -> {
            long arrived = System.nanoTime();
            asks.requireMaxNewTokens(request.getMaxNewTokens());
            long wanted = Integer.toUnsignedLong(request.getMaxMasks());
            int cap = wanted == 0 ? describe.maxMasks() : (int) Math.min(wanted, describe.maxMasks());
            Deadline deadline = Deadline.after(describe.deadline().toMillis(), TimeUnit.MILLISECONDS);
            AutomaticParameters params = automatic(request);
            StageClock clock = new StageClock();
            // Only the segmentation may find the image gone and run again: nothing has been sent by then.
            return asks.onImage(tenant, request.getImage(), deadline, clock,
                            imageId -> segmentations.segmentAll(imageId, params, cap, deadline).map(masks -> new Found(imageId, masks)).flux())
                    .flatMap(found -> describe(found, request, arrived, deadline, clock));
        });
    }

    private Flux<DescribedMask> describe(Found found, DescribeAllRequest request, long arrived, Deadline deadline, StageClock clock) {
        List<AutomaticMask> masks = found.masks().getMasksList();
        int perAsk = describe.masksPerAsk();
        int questions = (masks.size() + perAsk - 1) / perAsk;
        return Flux.range(0, questions).flatMap(q -> {
            int first = q * perAsk;
            List<AutomaticMask> some = masks.subList(first, Math.min(masks.size(), first + perAsk));
            AskRequest ask = AskRequest.newBuilder().setTask(Task.TASK_SHORT_DESCRIPTION).setSampling(request.getSampling())
                    .setMaxNewTokens(request.getMaxNewTokens())
                    .addAllRegions(some.stream().map(mask -> Region.newBuilder().setRle(mask.getMask().getRle()).build()).toList()).build();
            return asks.answer(found.imageId(), ask, deadline, clock).map(new AnswerTimings(arrived, clock)::apply).filter(AnswerEvent::hasFinished)
                    .map(answer -> {
                        int index = first + answer.getAnswerIndex();
                        return described(index, masks.get(index), answer.getFinished(), masks.size(), found.masks().getTotalMasks());
                    });
        }, describe.concurrentAsks());
    }

    private static DescribedMask described(int index, AutomaticMask mask, Finished answer, int count, int found) {
        DescribedMask.Builder described = DescribedMask.newBuilder().setIndex(index).setCount(count).setFound(found)
                .setMask(Segmentations.publicMask(mask.getMask())).setStabilityScore(mask.getStabilityScore()).setAnswer(answer);
        if (mask.getPointCoordsCount() == 2) {
            described.setPoint(Point.newBuilder().setX(mask.getPointCoords(0)).setY(mask.getPointCoords(1)).setLabel(PointLabel.POINT_LABEL_FOREGROUND));
        }
        if (mask.getCropBoxCount() == 4) {
            described.setCropBox(Box.newBuilder().setX(mask.getCropBox(0)).setY(mask.getCropBox(1)).setWidth(mask.getCropBox(2))
                    .setHeight(mask.getCropBox(3)));
        }
        return described.build();
    }

    /**
     * The public parameters as the Segmenter's: the two messages have the same fields, numbers and
     * types (a test compares their descriptors), so the bytes of one are the other.
     */
    private static AutomaticParameters automatic(DescribeAllRequest request) {
        try {
            return AutomaticParameters.parseFrom(request.getParams().toByteString());
        } catch (InvalidProtocolBufferException e) {
            throw OspreyException.badInput("params: " + e.getMessage());
        }
    }
}
