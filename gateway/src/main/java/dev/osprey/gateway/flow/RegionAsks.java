package dev.osprey.gateway.flow;

import com.google.protobuf.ByteString;
import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.ImageRef;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.Task;
import dev.osprey.api.v1.Turn;
import dev.osprey.api.v1.UploadImageResponse;
import dev.osprey.gateway.access.Tenant;
import dev.osprey.internal.v1.EncodeRequest;
import dev.osprey.internal.v1.EncodeResponse;
import dev.osprey.internal.v1.EncoderGrpc.EncoderStub;
import dev.osprey.internal.v1.ExtractRequest;
import dev.osprey.internal.v1.ExtractResponse;
import dev.osprey.internal.v1.ExtractorGrpc.ExtractorStub;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.ForgetResponse;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.internal.v1.GetImageRequest;
import dev.osprey.internal.v1.LlmGrpc.LlmStub;
import dev.osprey.internal.v1.WarmRequest;
import dev.osprey.internal.v1.WarmResponse;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.model.pipeline.TaskRegions;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.ServiceException;
import io.grpc.Context;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The gateway's work for each public call: upload an image to the encoder that owns it; answer a
 * question by turning its Segment Anything prompts into masks (the image's encoder), extracting
 * the regions' tokens (extractor) and streaming the generation (llm-service), all under one
 * deadline. Validates what it can before any backend works; everything else the backends validate,
 * and their INVALID_ARGUMENT messages name the field or region.
 */
public final class RegionAsks {

    private static final Logger log = LoggerFactory.getLogger(RegionAsks.class);
    // Warm answers at once (it only queues): a longer wait would only delay the upload.
    private static final Duration WARM_DEADLINE = Duration.ofSeconds(5);

    /**
     * SAM embeddings this gateway has started for uploads and not seen end. An encoder computes one at a
     * time by default, each waiting one holding its 1024x1024 input, so a burst of uploads that ask for
     * it would only queue there for nobody; beyond this bound an upload answers without starting one.
     */
    private static final int MAX_PREPARING = 4;

    private final Backends backends;
    private final Segmentations segmentations;
    private final AskLimits limits;
    private final boolean warmUp;
    private final Semaphore preparing = new Semaphore(MAX_PREPARING);

    /** @param warmUp whether an upload starts the image's warm-up on its llm-service ({@code osprey.gateway.warm-up}) */
    public RegionAsks(Backends backends, Segmentations segmentations, AskLimits limits, boolean warmUp) {
        this.backends = backends;
        this.segmentations = segmentations;
        this.limits = limits;
        this.warmUp = warmUp;
    }

    /**
     * Stores and encodes an image on its owner encoder, in {@code tenant}'s scope; the id returned is
     * the SHA-256 of the bytes, the backends know it by {@link Tenant#internalId}. Then, unless warm-ups
     * are off, asks the image's llm-service to warm its prefix in the background; the response's
     * {@code warming} says whether it did. A warm-up that cannot start never fails the upload.
     */
    public Mono<UploadImageResponse> upload(Tenant tenant, ByteString image) {
        return upload(tenant, image, false);
    }

    /**
     * As {@link #upload(Tenant, ByteString)}, and with {@code prepareSegmentation} also starts the image's
     * Segment Anything embedding on its encoder without waiting for it: the first click then costs a
     * prompt decode (~45 ms at ViT-B on two cores) instead of the image encoder too (~6.8 s; BENCHMARKS.md).
     * Asked for per upload, as it is the dearest part of a click and only clients that click need it.
     * The response's {@code preparing_segmentation} says whether it was started.
     */
    public Mono<UploadImageResponse> upload(Tenant tenant, ByteString image, boolean prepareSegmentation) {
        return store(tenant, image).flatMap(stored -> {
            String imageId = tenant.internalId(stored.getImageId());
            boolean preparing = prepareSegmentation && prepareSegmentation(imageId);
            return warm(imageId).map(warming -> stored.toBuilder().setWarming(warming).setPreparingSegmentation(preparing).build());
        });
    }

    /**
     * Starts the embedding, unless {@link #MAX_PREPARING} are under way; outside the upload's gRPC
     * context, whose end would cancel it. Where the bundle has no SAM the encoder answers UNIMPLEMENTED,
     * which is not worth a log line: the clicks will say it.
     */
    private boolean prepareSegmentation(String imageId) {
        if (!preparing.tryAcquire()) {
            return false;
        }
        Context.current().fork().run(() -> segmentations.prepare(imageId, Deadline.after(limits.uploadDeadline().toMillis(), TimeUnit.MILLISECONDS))
                .doFinally(end -> preparing.release())
                .subscribe(cached -> { }, failure -> {
                    if (!(failure instanceof ServiceException e && e.reason() == ErrorReason.NOT_IMPLEMENTED)) {
                        log.warn("no Segment Anything embedding prepared at upload: {}", failure.toString());
                    }
                }));
        return true;
    }

    /**
     * Queues the warm-up of {@code imageId} (internal) on the llm replica that will answer its questions,
     * naming the encoder that owns it, as a question would; false when off, refused or failed (logged).
     */
    private Mono<Boolean> warm(String imageId) {
        if (!warmUp) {
            return Mono.just(false);
        }
        WarmRequest request = WarmRequest.newBuilder().setImageId(imageId).setEncoderAddress(backends.encoder(imageId).address()).build();
        Backends.Replica<LlmStub> llm = backends.llm(imageId);
        return llm.unary(LlmStub::warm, request, Deadline.after(WARM_DEADLINE.toMillis(), TimeUnit.MILLISECONDS))
                .map(WarmResponse::getQueued)
                .onErrorResume(failure -> {
                    log.warn("no warm-up on llm-service at {}: {}", llm.address(), failure.toString());
                    return Mono.just(false);
                });
    }

    // The upload itself: also the first step of a question that carries the image's bytes, which needs no warm-up.
    private Mono<UploadImageResponse> store(Tenant tenant, ByteString image) {
        return Mono.defer(() -> {
            if (image.isEmpty()) {
                throw OspreyException.badInput("image is empty");
            }
            if (image.size() > limits.maxImageBytes()) {
                throw OspreyException.badInput("image: " + image.size() + " bytes, the limit is " + limits.maxImageBytes()
                        + " (osprey.gateway.max-image-size)");
            }
            String publicId = ImageId.of(image.asReadOnlyByteBuffer());
            String imageId = tenant.internalId(publicId);
            Backends.Replica<EncoderStub> encoder = backends.encoder(imageId);
            return encode(encoder, tenant, image, Deadline.after(limits.uploadDeadline().toMillis(), TimeUnit.MILLISECONDS))
                    .map(encoded -> {
                        if (!encoded.getImageId().equals(imageId)) {
                            throw new IllegalStateException("encoder-service at " + encoder.address() + " named the image "
                                    + encoded.getImageId() + ", expected " + imageId);
                        }
                        return UploadImageResponse.newBuilder().setImageId(publicId)
                                .setWidth(encoded.getWidth()).setHeight(encoded.getHeight()).build();
                    });
        });
    }

    /** What a call about an image answers when the caller's tenant holds no such image, uploaded or not. */
    public static OspreyException notKnown(String publicId) {
        return new OspreyException(Reason.NOT_FOUND, "image " + publicId + " is not known (expired, deleted or never uploaded):"
                + " upload the image again");
    }

    private static Mono<EncodeResponse> encode(Backends.Replica<EncoderStub> encoder, Tenant tenant, ByteString image, Deadline deadline) {
        return encoder.unary(EncoderStub::encode, EncodeRequest.newBuilder().setImage(image).setScope(tenant.scope()).build(), deadline);
    }

    /**
     * Forgets an image: its bytes and features on every encoder, the features its extractor keeps and
     * the prefixes its llm-service caches. False when no encoder knew it in {@code tenant}'s scope.
     */
    public Mono<Boolean> delete(Tenant tenant, String publicId) {
        return Mono.defer(() -> {
            String imageId = tenant.internalId(publicId);
            ForgetRequest forget = ForgetRequest.newBuilder().setImageId(imageId).build();
            Deadline deadline = Deadline.after(limits.uploadDeadline().toMillis(), TimeUnit.MILLISECONDS);
            Backends.Replica<EncoderStub> encoder = backends.encoder(imageId);
            Mono<Void> derived = Mono.when(backends.extractor(imageId).unary(ExtractorStub::forget, forget, deadline),
                    backends.llm(imageId).unary(LlmStub::forget, forget, deadline));
            // The derived copies go first: a failure there leaves the image in place, so a retry still finds it.
            // Every encoder: one that owned the image before the replicas changed may hold it too.
            Flux<Boolean> encoders = Flux.concat(Flux.just(encoder), Flux.fromIterable(backends.otherEncoders(encoder)))
                    .concatMap(replica -> replica.unary(EncoderStub::forget, forget, deadline).map(ForgetResponse::getForgotten));
            return derived.then(encoders.reduce(false, Boolean::logicalOr));
        });
    }

    /**
     * Answers a question: the events of every answer, pieces first and a {@link Finished} last per
     * answer, whose usage times are measured here (from arrival at the gateway, so they include the
     * upload and the region extraction), with its {@link StageTimings stage timings}.
     */
    public Flux<AnswerEvent> ask(Tenant tenant, AskRequest request) {
        return ask(tenant, request, new StageClock());
    }

    /** As {@link #ask(Tenant, AskRequest)}, the gateway's stages measured in {@code clock} as they end. */
    public Flux<AnswerEvent> ask(Tenant tenant, AskRequest request, StageClock clock) {
        return Flux.defer(() -> {
            long arrived = System.nanoTime();
            validate(request);
            Deadline deadline = Deadline.after(limits.deadline().toMillis(), TimeUnit.MILLISECONDS);
            return onImage(tenant, request.getImage(), deadline, clock, imageId -> answer(imageId, request, deadline, clock))
                    .map(new AnswerTimings(arrived, clock)::apply);
        });
    }

    /**
     * {@code work} about the image {@code image} names, in {@code tenant}'s scope: given the image's
     * internal id, after uploading it when it comes as bytes. When a backend no longer finds the image,
     * its current owner takes it over from another encoder replica and the work runs once more, so
     * {@code work} must fail before it emits anything when the image is missing. An upload is timed in
     * {@code clock} as the encode stage.
     */
    public <T> Flux<T> onImage(Tenant tenant, ImageRef image, Deadline deadline, StageClock clock, Function<String, Flux<T>> work) {
        Mono<String> publicId = switch (image.getSourceCase()) {
            case IMAGE_BYTES -> clock.encoding(store(tenant, image.getImageBytes())).map(UploadImageResponse::getImageId);
            case IMAGE_ID -> Mono.fromSupplier(() -> ImageId.require(image.getImageId()));
            case SOURCE_NOT_SET -> Mono.error(OspreyException.badInput("image: give an image_id from UploadImage, or the image bytes"));
        };
        return publicId.flatMapMany(id -> {
            String imageId = tenant.internalId(id);
            // A backend's NOT_FOUND names the internal id: the caller hears of its own id, in the same words for
            // another tenant's image as for one never uploaded.
            return work.apply(imageId).onErrorResume(RegionAsks::isNotFound, notFound -> takeOver(tenant, imageId, deadline)
                    .flatMapMany(found -> found ? work.apply(imageId) : Flux.error(notKnown(id))));
        });
    }

    /**
     * Moves an image to the encoder that owns it now, when that one does not hold it: after encoder
     * replicas were added, an image's upload is still on the replica that owned it before. The first
     * other replica that holds the bytes hands them over and the owner encodes them; false when none
     * holds them (then the image is gone and must be uploaded again).
     */
    private Mono<Boolean> takeOver(Tenant tenant, String imageId, Deadline deadline) {
        Backends.Replica<EncoderStub> owner = backends.encoder(imageId);
        GetImageRequest get = GetImageRequest.newBuilder().setImageId(imageId).build();
        return Flux.fromIterable(backends.otherEncoders(owner))
                .concatMap(peer -> peer.unary(EncoderStub::getImage, get, deadline).onErrorResume(e -> Mono.empty()))
                .next()
                .flatMap(held -> encode(owner, tenant, held.getImage(), deadline))
                .map(encoded -> true)
                .defaultIfEmpty(false);
    }

    private static boolean isNotFound(Throwable failure) {
        return failure instanceof ServiceException e && e.reason() == ErrorReason.NOT_FOUND;
    }

    /**
     * The answers to {@code request} (validated) about {@code imageId} (internal): its prompt regions
     * segmented, its regions extracted (timed in {@code clock}), the generation streamed; the llm-service's own usage times.
     */
    Flux<AnswerEvent> answer(String imageId, AskRequest request, Deadline deadline, StageClock clock) {
        Backends.Replica<EncoderStub> encoder = backends.encoder(imageId);
        Backends.Replica<ExtractorStub> extractor = backends.extractor(imageId);
        Backends.Replica<LlmStub> llm = backends.llm(imageId);
        // A free prompt about the whole image has no regions to extract.
        Mono<ExtractResponse> extracted = request.getRegionsCount() == 0 ? Mono.just(ExtractResponse.getDefaultInstance())
                : clock.extracting(segmentations.resolve(imageId, request.getRegionsList(), deadline).flatMap(regions -> extractor.unary(
                        ExtractorStub::extract, ExtractRequest.newBuilder().setImageId(imageId).setEncoderAddress(encoder.address())
                                .addAllRegions(regions).setAllowEmpty(limits.allowEmptyMasks()).build(), deadline)));
        return extracted.flatMapMany(regions -> {
            GenerateRequest.Builder generate = GenerateRequest.newBuilder().setImageId(imageId)
                    .setEncoderAddress(encoder.address())
                    .addAllHistory(request.getHistoryList()).setSampling(request.getSampling())
                    .setMaxNewTokens(request.getMaxNewTokens()).addAllStop(request.getStopList());
            if (regions.hasTokens()) {
                generate.setRegionTokens(regions.getTokens());
            }
            if (request.hasTask()) {
                generate.setTask(request.getTask());
            } else {
                generate.setPrompt(request.getPrompt());
            }
            return llm.stream(LlmStub::generate, generate.build(), deadline);
        });
    }

    private void validate(AskRequest request) {
        switch (request.getImage().getSourceCase()) {
            case IMAGE_ID, IMAGE_BYTES -> { }
            case SOURCE_NOT_SET -> throw OspreyException.badInput("image: give an image_id from UploadImage, or the image bytes");
        }
        if (request.getRegionsCount() > limits.maxRegions()) {
            throw OspreyException.badInput("regions: " + request.getRegionsCount() + " regions, the limit is " + limits.maxRegions());
        }
        List<Region> regions = request.getRegionsList();
        for (int i = 0; i < regions.size(); i++) {
            if (regions.get(i).getMaskCase() == Region.MaskCase.SEGMENT) {
                SamPrompts.validate("regions[" + i + "]", regions.get(i).getSegment(), limits.maxPoints());
            }
        }
        switch (request.getQuestionCase()) {
            case TASK -> {
                if (request.getTask() == Task.TASK_UNSPECIFIED || request.getTask() == Task.UNRECOGNIZED) {
                    throw OspreyException.badInput("task: unknown task; use short, detailed or category");
                }
                TaskRegions.require("regions", request.getRegionsCount());
            }
            case PROMPT -> requireLength("prompt", request.getPrompt());
            case QUESTION_NOT_SET -> throw OspreyException.badInput("give a task or a prompt");
        }
        if (request.getHistoryCount() > limits.maxHistoryTurns()) {
            throw OspreyException.badInput("history: " + request.getHistoryCount() + " turns, the limit is " + limits.maxHistoryTurns());
        }
        for (int i = 0; i < request.getHistoryCount(); i++) {
            Turn turn = request.getHistory(i);
            requireLength("history[" + i + "].content", turn.getContent());
        }
        requireMaxNewTokens(request.getMaxNewTokens());
    }

    /** Throws BAD_INPUT when {@code maxNewTokens} (uint32 on the wire: 2^31 and more arrive as negative ints) is over the limit. */
    void requireMaxNewTokens(int maxNewTokens) {
        long tokens = Integer.toUnsignedLong(maxNewTokens);
        if (tokens > limits.maxNewTokens()) {
            throw OspreyException.badInput("max_new_tokens: " + tokens + ", the limit is " + limits.maxNewTokens());
        }
    }

    private void requireLength(String field, String text) {
        if (text.length() > limits.maxPromptChars()) {
            throw OspreyException.badInput(field + ": " + text.length() + " characters, the limit is " + limits.maxPromptChars());
        }
    }
}
