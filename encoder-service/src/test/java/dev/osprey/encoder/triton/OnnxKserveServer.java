package dev.osprey.encoder.triton;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import dev.osprey.kserve.v2.GRPCInferenceServiceGrpc;
import dev.osprey.kserve.v2.ModelInferRequest;
import dev.osprey.kserve.v2.ModelInferResponse;
import dev.osprey.kserve.v2.ModelReadyRequest;
import dev.osprey.kserve.v2.ModelReadyResponse;
import dev.osprey.kserve.v2.ServerReadyRequest;
import dev.osprey.kserve.v2.ServerReadyResponse;
import dev.osprey.model.onnx.OrtSessions;
import dev.osprey.model.vision.FeatureMap;
import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.model.vision.TritonRepository;
import dev.osprey.model.vision.VisionFeatures;
import dev.osprey.model.vision.VisionGraphBuilder;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for Triton on a loopback port: our KServe v2 subset (ServerReady, ModelReady, ModelInfer
 * with raw contents) over the same vision ONNX model, run with ONNX Runtime, under the name
 * {@link TritonRepository} gives it, and over any other ONNX model {@linkplain #host hosted} by name
 * (FP32 inputs and outputs, as Triton's ONNX Runtime backend runs them). It can be told to be not
 * ready, to answer UNAVAILABLE a number of times, or to be slow.
 */
final class OnnxKserveServer implements AutoCloseable {

    private final OnnxVisionTower tower;
    private final Map<String, OrtSession> hosted = new ConcurrentHashMap<>();
    private final Server server;
    final AtomicInteger inferCalls = new AtomicInteger();
    final AtomicInteger unavailableAnswers = new AtomicInteger();
    volatile boolean serverReady = true;
    volatile long delayMillis;

    OnnxKserveServer(Path visionModel) {
        this.tower = OnnxVisionTower.open(visionModel, 1);
        try {
            this.server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                    .maxInboundMessageSize(KserveClient.MAX_MESSAGE_BYTES)
                    .addService(new Service())
                    .build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String address() {
        return "localhost:" + server.getPort();
    }

    /** Serves the ONNX model at {@code model} as {@code name} (version 1) too. */
    OnnxKserveServer host(String name, Path model) {
        hosted.put(name, OrtSessions.open(model, 1, OrtSessions.Memory.ARENA));
        return this;
    }

    private final class Service extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

        @Override
        public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> response) {
            response.onNext(ServerReadyResponse.newBuilder().setReady(serverReady).build());
            response.onCompleted();
        }

        @Override
        public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> response) {
            boolean known = (request.getName().equals(TritonRepository.MODEL_NAME) || hosted.containsKey(request.getName()))
                    && (request.getVersion().isEmpty() || request.getVersion().equals(TritonRepository.VERSION));
            response.onNext(ModelReadyResponse.newBuilder().setReady(serverReady && known).build());
            response.onCompleted();
        }

        @Override
        public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> response) {
            inferCalls.incrementAndGet();
            if (unavailableAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                response.onError(Status.UNAVAILABLE.withDescription("model is loading").asRuntimeException());
                return;
            }
            OrtSession session = hosted.get(request.getModelName());
            if (session != null) {
                sleep(delayMillis);
                runHosted(session, request, response);
                return;
            }
            if (!request.getModelName().equals(TritonRepository.MODEL_NAME)) {
                response.onError(Status.NOT_FOUND.withDescription("Request for unknown model: '" + request.getModelName() + "'")
                        .asRuntimeException());
                return;
            }
            ModelInferRequest.InferInputTensor input = request.getInputs(0);
            if (request.getInputsCount() != 1 || !input.getName().equals(VisionGraphBuilder.PIXEL_VALUES)
                    || !input.getDatatype().equals("FP32") || request.getRawInputContentsCount() != 1) {
                response.onError(Status.INVALID_ARGUMENT.withDescription("expected one FP32 pixel_values as raw contents").asRuntimeException());
                return;
            }
            sleep(delayMillis);
            ByteString pixels = request.getRawInputContents(0);
            List<VisionFeatures> features = tower.encode(RawTensors.floats(pixels, 0, pixels.size() / Float.BYTES));
            ModelInferResponse.Builder reply = ModelInferResponse.newBuilder().setModelName(request.getModelName()).setModelVersion("1");
            for (ModelInferRequest.InferRequestedOutputTensor output : request.getOutputsList()) {
                addOutput(reply, output.getName(), features);
            }
            response.onNext(reply.build());
            response.onCompleted();
        }
    }

    // Every input as FP32 of its shape, every requested output back as FP32 raw contents.
    private static void runHosted(OrtSession session, ModelInferRequest request, StreamObserver<ModelInferResponse> response) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            for (int i = 0; i < request.getInputsCount(); i++) {
                ModelInferRequest.InferInputTensor input = request.getInputs(i);
                ByteString raw = request.getRawInputContents(i);
                feeds.put(input.getName(), OnnxTensor.createTensor(env, FloatBuffer.wrap(RawTensors.floats(raw, 0, raw.size() / Float.BYTES)),
                        input.getShapeList().stream().mapToLong(Long::longValue).toArray()));
            }
            ModelInferResponse.Builder reply = ModelInferResponse.newBuilder().setModelName(request.getModelName()).setModelVersion("1");
            try (OrtSession.Result result = session.run(feeds)) {
                for (ModelInferRequest.InferRequestedOutputTensor output : request.getOutputsList()) {
                    OnnxTensor tensor = (OnnxTensor) result.get(output.getName()).orElseThrow();
                    FloatBuffer values = tensor.getFloatBuffer();
                    float[] floats = new float[values.remaining()];
                    values.get(floats);
                    ModelInferResponse.InferOutputTensor.Builder info = ModelInferResponse.InferOutputTensor.newBuilder()
                            .setName(output.getName()).setDatatype("FP32");
                    Arrays.stream(tensor.getInfo().getShape()).forEach(info::addShape);
                    reply.addOutputs(info).addRawOutputContents(RawTensors.bytes(floats));
                }
            }
            response.onNext(reply.build());
            response.onCompleted();
        } catch (OrtException | RuntimeException e) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private static void addOutput(ModelInferResponse.Builder reply, String name, List<VisionFeatures> features) {
        long[] shape = null;
        float[] all = null;
        for (int i = 0; i < features.size(); i++) {
            VisionFeatures image = features.get(i);
            FeatureMap level = image.levels().stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
            float[] values = level == null ? image.imageEmbeds() : level.values();
            shape = level == null ? new long[] {image.tokens(), image.hidden()} : level.shape();
            if (all == null) {
                all = new float[features.size() * values.length];
            }
            System.arraycopy(values, 0, all, i * values.length, values.length);
        }
        ModelInferResponse.InferOutputTensor.Builder tensor = ModelInferResponse.InferOutputTensor.newBuilder().setName(name)
                .setDatatype("FP32").addShape(features.size());
        for (long d : shape) {
            tensor.addShape(d);
        }
        reply.addOutputs(tensor).addRawOutputContents(RawTensors.bytes(all));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
        tower.close();
        for (OrtSession session : hosted.values()) {
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
