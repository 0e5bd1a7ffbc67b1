package dev.osprey.gateway.flow;

import com.google.protobuf.ByteString;
import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.CocoRle;
import dev.osprey.api.v1.FinishReason;
import dev.osprey.api.v1.Finished;
import dev.osprey.api.v1.TextPiece;
import dev.osprey.api.v1.Usage;
import dev.osprey.gateway.routing.ImageAffinity;
import dev.osprey.internal.v1.AutomaticMask;
import dev.osprey.internal.v1.EncodeRequest;
import dev.osprey.internal.v1.EncodeResponse;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.ExtractRequest;
import dev.osprey.internal.v1.ExtractResponse;
import dev.osprey.internal.v1.ExtractorGrpc;
import dev.osprey.internal.v1.ForgetRequest;
import dev.osprey.internal.v1.ForgetResponse;
import dev.osprey.internal.v1.GenerateRequest;
import dev.osprey.internal.v1.GetImageRequest;
import dev.osprey.internal.v1.ImageBytes;
import dev.osprey.internal.v1.LlmGrpc;
import dev.osprey.internal.v1.PrepareImageRequest;
import dev.osprey.internal.v1.PrepareImageResponse;
import dev.osprey.internal.v1.PromptPoint;
import dev.osprey.internal.v1.RegionTokens;
import dev.osprey.internal.v1.SegmentAllRequest;
import dev.osprey.internal.v1.SegmentAllResponse;
import dev.osprey.internal.v1.SegmentRequest;
import dev.osprey.internal.v1.SegmentResponse;
import dev.osprey.internal.v1.SegmentedMask;
import dev.osprey.internal.v1.SegmenterGrpc;
import dev.osprey.internal.v1.Tensor;
import dev.osprey.internal.v1.WarmRequest;
import dev.osprey.internal.v1.WarmResponse;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.pipeline.ImageId;
import dev.osprey.service.ErrorReason;
import dev.osprey.service.GrpcErrorHandler;
import dev.osprey.service.Replicas;
import dev.osprey.service.ServiceException;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The three backends as real gRPC servers in this process (no port): encoders that keep uploads by
 * image id (of 4 x 3 pixels) and segment them (masks of one pixel, see {@link #samMask}), an
 * extractor that pools regions of an image its encoder holds, and an llm-service that answers about
 * such an image as a test sets ({@link #generation}). As the real ones, extractor and
 * llm-service answer NOT_FOUND when the encoder the gateway names does not hold the image. Every call
 * is kept in {@link #calls()} with the deadline it carried; each server has the exception handler
 * every backend has, so what a stand-in throws ends its call as it would there.
 */
public final class StandInBackends implements AutoCloseable {

    /** One call a stand-in received: which replica, which method, and the deadline it arrived with (null: none). */
    public record Call(String replica, String method, Deadline deadline) {
    }

    /** How the stand-in llm-service answers one Generate call about an image its encoder holds. */
    @FunctionalInterface
    public interface Generation {
        void answer(GenerateRequest request, ServerCallStreamObserver<AnswerEvent> responses) throws InterruptedException;
    }

    /** The extractor's address, as the gateway knows it. */
    public static final String EXTRACTOR = "extractor";
    /** The llm-service's address. */
    public static final String LLM = "llm";

    private final String prefix = InProcessServerBuilder.generateName() + "/";
    private final List<String> encoders = new ArrayList<>();
    private final Map<String, Map<String, ByteString>> uploads = new ConcurrentHashMap<>();
    private final Map<String, Server> servers = new LinkedHashMap<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Set<String> refusing = ConcurrentHashMap.newKeySet();
    private final List<WarmRequest> warmed = new CopyOnWriteArrayList<>();
    private final List<Prepared> prepared = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch preparesReleased = new CountDownLatch(0);
    private volatile Generation generation = StandInBackends::answerEachRegion;
    private final List<SegmentRequest> segmented = new CopyOnWriteArrayList<>();
    private final List<SegmentAllRequest> segmentedAll = new CopyOnWriteArrayList<>();
    private final List<ExtractRequest> extracted = new CopyOnWriteArrayList<>();
    private volatile boolean withoutSam;
    private volatile int automaticMasks = 5;

    /** @param encoderCount how many encoder replicas, named encoder-1, encoder-2, ... */
    public StandInBackends(int encoderCount) {
        for (int i = 1; i <= encoderCount; i++) {
            String address = "encoder-" + i;
            encoders.add(address);
            uploads.put(address, new ConcurrentHashMap<>());
            start(address, new Encoder(address), new Segmenter(address));
        }
        start(EXTRACTOR, new Extractor());
        start(LLM, new Llm());
    }

    /** The gateway's view of these backends. */
    public Backends backends() {
        return new Backends(this::channel, Replicas.parse("encoder-service", String.join(",", encoders), 60_000),
                Replicas.parse("extractor-service", EXTRACTOR, 60_000), Replicas.parse("llm-service", LLM, 60_000));
    }

    /** The encoder replicas' addresses, in the order the gateway lists them. */
    public List<String> encoders() {
        return encoders.stream().sorted().toList();
    }

    /** The encoder that owns {@code imageId} (an internal id). */
    public String owner(String imageId) {
        return ImageAffinity.owner(imageId, encoders);
    }

    /** Puts an upload on {@code encoder}, as if it had been uploaded there. */
    public void hold(String encoder, String imageId, ByteString image) {
        uploads.get(encoder).put(imageId, image);
    }

    public boolean holds(String encoder, String imageId) {
        return uploads.get(encoder).containsKey(imageId);
    }

    /** Makes {@code method} (e.g. "Forget") of {@code replica} fail RESOURCE_EXHAUSTED from now on. */
    public void refuse(String replica, String method) {
        refusing.add(replica + " " + method);
    }

    /** How the llm-service answers from now on; by default one piece and a Finished per region (one for a prompt). */
    public void generation(Generation answers) {
        this.generation = answers;
    }

    /** The Warm requests the llm-service received, in order of arrival. */
    public List<WarmRequest> warmed() {
        return List.copyOf(warmed);
    }

    /** A PrepareImage call an encoder's segmenter received. */
    public record Prepared(String replica, String imageId, Deadline deadline) {
    }

    /** The PrepareImage calls, in order of arrival (not in {@link #calls}). */
    public List<Prepared> prepared() {
        return List.copyOf(prepared);
    }

    /** From now on PrepareImage calls answer only once {@link #releasePrepares} is called, as an encoder busy with embeddings. */
    public void holdPrepares() {
        preparesReleased = new CountDownLatch(1);
    }

    /** Lets the held PrepareImage calls answer, and the later ones at once. */
    public void releasePrepares() {
        preparesReleased.countDown();
    }

    /** The Segment requests the encoders' segmenters received, in order of arrival. */
    public List<SegmentRequest> segmented() {
        return List.copyOf(segmented);
    }

    /** The SegmentAll requests, in order of arrival. */
    public List<SegmentAllRequest> segmentedAll() {
        return List.copyOf(segmentedAll);
    }

    /** The Extract requests, in order of arrival. */
    public List<ExtractRequest> extracted() {
        return List.copyOf(extracted);
    }

    /** From now on the encoders have no SAM model: their segmenters answer NOT_IMPLEMENTED, as a bundle without SAM makes them. */
    public void withoutSam() {
        withoutSam = true;
    }

    /** How many masks the automatic generator finds from now on (5 by default). */
    public void automaticMasks(int count) {
        automaticMasks = count;
    }

    /**
     * The mask the stand-in segmenter makes whose only pixel is {@code pixel} (column-major, as COCO
     * counts): candidates of a multimask call are pixels 0, 1, 2 scored 0.5, 0.9, 0.7; a single-output
     * mask is pixel 11; automatic mask k is pixel k.
     */
    public static CocoRle samMask(int pixel) {
        return CocoRle.newBuilder().setHeight(3).setWidth(4)
                .setCompressed(dev.osprey.model.mask.CocoRle.compress(new int[] {pixel, 1, 12 - pixel - 1})).build();
    }

    /** Every call received so far, in order of arrival. */
    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Back to no uploads, no calls, no refusals and the default answers: for tests that share one set of stand-ins. */
    public void reset() {
        uploads.values().forEach(Map::clear);
        calls.clear();
        warmed.clear();
        prepared.clear();
        releasePrepares();
        segmented.clear();
        segmentedAll.clear();
        extracted.clear();
        withoutSam = false;
        automaticMasks = 5;
        refusing.clear();
        generation = StandInBackends::answerEachRegion;
    }

    @Override
    public void close() throws InterruptedException {
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (Server server : servers.values()) {
            server.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /** A piece of answer {@code index}. */
    public static AnswerEvent piece(int index, String text) {
        return AnswerEvent.newBuilder().setAnswerIndex(index).setPiece(TextPiece.newBuilder().setText(text).addTokenIds(7)).build();
    }

    /** The end of answer {@code index}, with usage times no gateway could have measured. */
    public static AnswerEvent finished(int index, String text) {
        return AnswerEvent.newBuilder().setAnswerIndex(index).setFinished(Finished.newBuilder().setText(text).addOutputIds(7)
                .setReason(FinishReason.FINISH_REASON_STOP).setUsage(Usage.newBuilder().setPromptTokens(11).setCompletionTokens(1)
                        .setTimeToFirstTokenMs(1e9).setTotalMs(1e9))).build();
    }

    // One answer per region (as many as the token rows), "region K"; the ends in reverse order, as a batch may finish them.
    private static void answerEachRegion(GenerateRequest request, ServerCallStreamObserver<AnswerEvent> responses) {
        int answers = request.hasTask() ? (int) request.getRegionTokens().getMaskTokens().getShape(0) : 1;
        for (int k = 0; k < answers; k++) {
            responses.onNext(piece(k, "region " + k));
        }
        for (int k = answers - 1; k >= 0; k--) {
            responses.onNext(finished(k, "region " + k));
        }
        responses.onCompleted();
    }

    private ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, name -> InProcessChannelBuilder.forName(prefix + name).build());
    }

    private void start(String address, BindableService... services) {
        InProcessServerBuilder server = InProcessServerBuilder.forName(prefix + address);
        for (BindableService service : services) {
            server.addService(GrpcErrorHandler.handling(service));
        }
        try {
            servers.put(address, server.build().start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void received(String replica, String method) {
        calls.add(new Call(replica, method, Context.current().getDeadline()));
        if (refusing.contains(replica + " " + method)) {
            throw new ServiceException(ErrorReason.RESOURCE_EXHAUSTED, replica + " refuses " + method);
        }
    }

    // As the extractor and the llm-service fetch an image from the encoder the gateway names.
    private void requireHeld(String encoder, String imageId) {
        if (!uploads.getOrDefault(encoder, Map.of()).containsKey(imageId)) {
            throw new OspreyException(Reason.NOT_FOUND, "image " + imageId + " is not known to " + encoder);
        }
    }

    // Extractor and llm-service keep what they derived from images (features, prefixes) and drop it.
    private void forgetDerived(String replica, StreamObserver<ForgetResponse> responses) {
        received(replica, "Forget");
        responses.onNext(ForgetResponse.newBuilder().setForgotten(true).build());
        responses.onCompleted();
    }

    private final class Encoder extends EncoderGrpc.EncoderImplBase {
        private final String address;

        Encoder(String address) {
            this.address = address;
        }

        @Override
        public void encode(EncodeRequest request, StreamObserver<EncodeResponse> responses) {
            received(address, "Encode");
            String imageId = ImageId.scoped(request.getScope(), ImageId.of(request.getImage().asReadOnlyByteBuffer()));
            uploads.get(address).put(imageId, request.getImage());
            responses.onNext(EncodeResponse.newBuilder().setImageId(imageId).setWidth(4).setHeight(3).build());
            responses.onCompleted();
        }

        @Override
        public void getImage(GetImageRequest request, StreamObserver<ImageBytes> responses) {
            received(address, "GetImage");
            requireHeld(address, request.getImageId());
            responses.onNext(ImageBytes.newBuilder().setImageId(request.getImageId()).setImage(uploads.get(address).get(request.getImageId()))
                    .build());
            responses.onCompleted();
        }

        @Override
        public void forget(ForgetRequest request, StreamObserver<ForgetResponse> responses) {
            received(address, "Forget");
            boolean held = uploads.get(address).remove(request.getImageId()) != null;
            responses.onNext(ForgetResponse.newBuilder().setForgotten(held).build());
            responses.onCompleted();
        }
    }

    private final class Segmenter extends SegmenterGrpc.SegmenterImplBase {
        private final String address;

        Segmenter(String address) {
            this.address = address;
        }

        @Override
        public void segment(SegmentRequest request, StreamObserver<SegmentResponse> responses) {
            received(address, "Segment");
            segmented.add(request);
            requireSam(request.getImageId());
            for (int i = 0; i < request.getPointsCount(); i++) {
                PromptPoint point = request.getPoints(i);
                if (point.getX() >= 4 || point.getY() >= 3) {
                    throw OspreyException.badInput("point " + i + " (" + point.getX() + ", " + point.getY() + ") is outside the 4x3 image");
                }
            }
            SegmentResponse.Builder response = SegmentResponse.newBuilder().setImageId(request.getImageId()).setWidth(4).setHeight(3);
            if (request.getMultimask()) {
                float[] scores = {0.5f, 0.9f, 0.7f};
                for (int k = 0; k < 3; k++) {
                    response.addMasks(mask(k, scores[k]));
                }
                response.setBestIndex(1);
            } else {
                response.addMasks(mask(11, 0.8f));
            }
            responses.onNext(response.build());
            responses.onCompleted();
        }

        @Override
        public void segmentAll(SegmentAllRequest request, StreamObserver<SegmentAllResponse> responses) {
            received(address, "SegmentAll");
            segmentedAll.add(request);
            requireSam(request.getImageId());
            int found = automaticMasks;
            // As the real one caps: the best-scored (here the later ones), in the generator's order.
            int kept = request.getMaxMasks() > 0 ? Math.min(found, request.getMaxMasks()) : found;
            SegmentAllResponse.Builder response = SegmentAllResponse.newBuilder().setImageId(request.getImageId()).setWidth(4).setHeight(3)
                    .setTotalMasks(found);
            for (int k = found - kept; k < found; k++) {
                response.addMasks(AutomaticMask.newBuilder().setMask(mask(k, 0.1f * (k + 1))).addPointCoords(k + 0.5).addPointCoords(1.5)
                        .setStabilityScore(0.25f).addCropBox(0).addCropBox(0).addCropBox(4).addCropBox(3));
            }
            responses.onNext(response.build());
            responses.onCompleted();
        }

        @Override
        public void prepareImage(PrepareImageRequest request, StreamObserver<PrepareImageResponse> responses) {
            // Apart from calls(): an upload starts it without waiting, so it would land among a test's calls at random.
            prepared.add(new Prepared(address, request.getImageId(), Context.current().getDeadline()));
            try {
                preparesReleased.await(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            requireSam(request.getImageId());
            responses.onNext(PrepareImageResponse.getDefaultInstance());
            responses.onCompleted();
        }

        private void requireSam(String imageId) {
            if (withoutSam) {
                throw new ServiceException(ErrorReason.NOT_IMPLEMENTED, "the model bundle has no Segment Anything model");
            }
            requireHeld(address, imageId);
        }

        private static SegmentedMask mask(int pixel, float score) {
            // Pixel p (column-major) of a 4 x 3 image is column p / 3, row p % 3.
            return SegmentedMask.newBuilder().setRle(samMask(pixel)).setScore(score).setArea(1)
                    .addBbox(pixel / 3).addBbox(pixel % 3).addBbox(1).addBbox(1).build();
        }
    }

    private final class Extractor extends ExtractorGrpc.ExtractorImplBase {

        @Override
        public void extract(ExtractRequest request, StreamObserver<ExtractResponse> responses) {
            received(EXTRACTOR, "Extract");
            extracted.add(request);
            requireHeld(request.getEncoderAddress(), request.getImageId());
            Tensor tokens = Tensor.newBuilder().addShape(request.getRegionsCount()).addShape(2).build();
            ExtractResponse.Builder extracted = ExtractResponse.newBuilder()
                    .setTokens(RegionTokens.newBuilder().setMaskTokens(tokens).setPosTokens(tokens));
            request.getRegionsList().forEach(region -> extracted.addAreas(1));
            responses.onNext(extracted.build());
            responses.onCompleted();
        }

        @Override
        public void forget(ForgetRequest request, StreamObserver<ForgetResponse> responses) {
            forgetDerived(EXTRACTOR, responses);
        }
    }

    private final class Llm extends LlmGrpc.LlmImplBase {

        @Override
        public void generate(GenerateRequest request, StreamObserver<AnswerEvent> responses) {
            received(LLM, "Generate");
            requireHeld(request.getEncoderAddress(), request.getImageId());
            try {
                generation.answer(request, (ServerCallStreamObserver<AnswerEvent>) responses);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while answering", e);
            }
        }

        @Override
        public void forget(ForgetRequest request, StreamObserver<ForgetResponse> responses) {
            forgetDerived(LLM, responses);
        }

        // Queues nothing: the real one only queues too, and fetches the image later.
        @Override
        public void warm(WarmRequest request, StreamObserver<WarmResponse> responses) {
            received(LLM, "Warm");
            warmed.add(request);
            responses.onNext(WarmResponse.newBuilder().setQueued(true).build());
            responses.onCompleted();
        }
    }
}
