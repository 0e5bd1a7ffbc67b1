package dev.osprey.gateway.flow;

import dev.osprey.api.v1.Box;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.SamPrompt;
import dev.osprey.api.v1.SegmentedMask;
import dev.osprey.internal.v1.AutomaticParameters;
import dev.osprey.internal.v1.PrepareImageRequest;
import dev.osprey.internal.v1.PrepareImageResponse;
import dev.osprey.internal.v1.SegmentAllRequest;
import dev.osprey.internal.v1.SegmentAllResponse;
import dev.osprey.internal.v1.SegmentResponse;
import dev.osprey.internal.v1.SegmenterGrpc.SegmenterStub;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;
import io.grpc.Deadline;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Masks from Segment Anything, made by the encoder replica that owns the image (its SAM embedding is
 * cached there, beside its features): the masks of one prompt, the one mask a prompt region becomes
 * (see {@link SamPrompts} for which), and every mask of the automatic generator.
 */
public final class Segmentations {

    private final Backends backends;

    public Segmentations(Backends backends) {
        this.backends = backends;
    }

    /**
     * The masks of {@code prompt} on {@code imageId} (internal id): SAM's three candidates with
     * {@code multimask}, else the one mask a region with this prompt becomes; {@code best} indexes the
     * best-scored.
     */
    Mono<dev.osprey.api.v1.SegmentResponse> segment(String imageId, SamPrompt prompt, boolean multimask, Deadline deadline) {
        boolean candidates = multimask || SamPrompts.picksAmongCandidates(prompt);
        return call(imageId, prompt, candidates, deadline).map(made -> {
            dev.osprey.api.v1.SegmentResponse.Builder response = dev.osprey.api.v1.SegmentResponse.newBuilder();
            if (multimask) {
                made.getMasksList().forEach(mask -> response.addMasks(publicMask(mask)));
                return response.setBest(made.getBestIndex()).build();
            }
            return response.addMasks(publicMask(chosen(made, candidates))).setBest(0).build();
        });
    }

    /**
     * {@code regions} with each Segment Anything prompt replaced by the mask it becomes (as COCO RLE);
     * the other regions as they are. The prompts go to SAM concurrently; a prompt SAM refuses fails
     * naming its region (1-based, as the extractor names regions).
     */
    Mono<List<Region>> resolve(String imageId, List<Region> regions, Deadline deadline) {
        if (regions.stream().noneMatch(region -> region.getMaskCase() == Region.MaskCase.SEGMENT)) {
            return Mono.just(regions);
        }
        return Flux.range(0, regions.size()).flatMapSequential(i -> {
            Region region = regions.get(i);
            if (region.getMaskCase() != Region.MaskCase.SEGMENT) {
                return Mono.just(region);
            }
            SamPrompt prompt = region.getSegment();
            boolean candidates = SamPrompts.picksAmongCandidates(prompt);
            return call(imageId, prompt, candidates, deadline)
                    .map(made -> Region.newBuilder().setRle(chosen(made, candidates).getRle()).build())
                    .onErrorMap(Segmentations::isBadInput, e -> new ServiceException(ErrorReason.BAD_INPUT, "region " + (i + 1) + ": "
                            + e.getMessage(), e));
        }).collectList();
    }

    /** Every mask SAM's automatic generator finds on {@code imageId}, at most {@code maxMasks} of them. */
    Mono<SegmentAllResponse> segmentAll(String imageId, AutomaticParameters params, int maxMasks, Deadline deadline) {
        SegmentAllRequest request = SegmentAllRequest.newBuilder().setImageId(imageId).setParams(params).setMaxMasks(maxMasks).build();
        return backends.segmenter(imageId).unary(SegmenterStub::segmentAll, request, deadline);
    }

    /**
     * Computes the image's SAM embedding on the encoder that owns it unless it is cached there, so that
     * the first click costs only a prompt decode; true if it was cached already. UNIMPLEMENTED (as
     * {@link ErrorReason#NOT_IMPLEMENTED}) where the bundle has no Segment Anything.
     */
    Mono<Boolean> prepare(String imageId, Deadline deadline) {
        return backends.segmenter(imageId).unary(SegmenterStub::prepareImage, PrepareImageRequest.newBuilder().setImageId(imageId).build(), deadline)
                .map(PrepareImageResponse::getCached);
    }

    /** A Segmenter mask as the public API gives it: the same RLE and score, the bbox as a {@link Box}. */
    static SegmentedMask publicMask(dev.osprey.internal.v1.SegmentedMask mask) {
        SegmentedMask.Builder result = SegmentedMask.newBuilder().setRle(mask.getRle()).setScore(mask.getScore()).setArea(mask.getArea());
        if (mask.getBboxCount() == 4) {
            result.setBbox(Box.newBuilder().setX(mask.getBbox(0)).setY(mask.getBbox(1)).setWidth(mask.getBbox(2)).setHeight(mask.getBbox(3)));
        }
        return result.build();
    }

    private Mono<SegmentResponse> call(String imageId, SamPrompt prompt, boolean multimask, Deadline deadline) {
        return backends.segmenter(imageId).unary(SegmenterStub::segment, SamPrompts.request(imageId, prompt, multimask), deadline);
    }

    // Among candidates, the best-scored (the ONNX export's single-mask pick); otherwise the only mask.
    private static dev.osprey.internal.v1.SegmentedMask chosen(SegmentResponse made, boolean candidates) {
        return made.getMasks(candidates ? made.getBestIndex() : 0);
    }

    private static boolean isBadInput(Throwable failure) {
        return failure instanceof ServiceException e && e.reason() == ErrorReason.BAD_INPUT;
    }
}
