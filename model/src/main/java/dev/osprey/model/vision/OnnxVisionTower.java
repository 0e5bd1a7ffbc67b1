package dev.osprey.model.vision;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.onnx.OrtSessions;
import dev.osprey.model.onnx.SessionRuns;
import dev.osprey.model.tensor.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The vision tower in process: runs the model that {@link VisionGraphBuilder} wrote with ONNX Runtime
 * and splits the batch into one {@link VisionFeatures} per image. The shapes come from the model
 * file, so the tower needs nothing but its path.
 *
 * <pre>{@code
 * try (OnnxVisionTower tower = OnnxVisionTower.open(bundle.resolve("vision.onnx"), 0)) {
 *     List<VisionFeatures> features = tower.encode(pixelValues); // N·3·512·512 floats
 * }
 * }</pre>
 *
 * <p>Input and outputs live in direct buffers that ONNX Runtime reads and writes in place (the
 * outputs are passed as pinned values); they are sized for the largest batch seen and reused, so
 * runs are serialised. That costs nothing on a CPU: one run already keeps every intra-op thread busy,
 * and throughput comes from batching images into one call.
 */
public final class OnnxVisionTower implements AutoCloseable {

    /** Output name and per-image shape ([C,H,W] or [tokens, hidden]), in the model's output order. */
    private record Output(String name, long[] shape) {
        int numel() {
            return Math.toIntExact(Shape.numel(shape));
        }
    }

    /** Reusable direct buffers for up to {@code capacity} images. */
    private record Buffers(int capacity, FloatBuffer input, Map<String, FloatBuffer> outputs) {
    }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final Path model;
    private final SessionRuns runs = new SessionRuns("the vision tower");
    private final long[] imageShape;
    private final int imageFloats;
    private final List<Output> outputs;
    private Buffers buffers;

    private OnnxVisionTower(OrtSession session, Path model, long[] imageShape, List<Output> outputs) {
        this.session = session;
        this.model = model;
        this.imageShape = imageShape;
        this.imageFloats = Math.toIntExact(Shape.numel(imageShape));
        this.outputs = outputs;
    }

    /**
     * Loads a vision model (its external data from beside it).
     *
     * @param intraOpThreads threads per operator; 0 lets ONNX Runtime use every core
     * @throws OspreyException {@code BAD_BUNDLE} when the file is not a vision model of ours
     */
    public static OnnxVisionTower open(Path model, int intraOpThreads) {
        // Many uploads encode at once: without the arena, glibc's per-thread heaps kept more than the arena does.
        OrtSession session = OrtSessions.open(model, intraOpThreads, OrtSessions.Memory.ARENA);
        try {
            long[] imageShape = perImageShape(model, session.getInputInfo(), VisionGraphBuilder.PIXEL_VALUES);
            Map<String, NodeInfo> info = session.getOutputInfo();
            List<Output> outputs = new ArrayList<>();
            for (int s = 0; s < VisionConfig.STAGES; s++) {
                String name = VisionGraphBuilder.levelName(s);
                outputs.add(new Output(name, perImageShape(model, info, name)));
            }
            String embeds = VisionGraphBuilder.IMAGE_EMBEDS;
            outputs.add(new Output(embeds, perImageShape(model, info, embeds)));
            return new OnnxVisionTower(session, model, imageShape, List.copyOf(outputs));
        } catch (OrtException | RuntimeException e) {
            try {
                session.close();
            } catch (OrtException closing) {
                e.addSuppressed(closing);
            }
            if (e instanceof OspreyException oe) {
                throw oe;
            }
            throw new OspreyException(Reason.BAD_BUNDLE, "cannot read the inputs and outputs of " + model + ": " + e.getMessage(), e);
        }
    }

    /** Encodes a batch given as N·3·512·512 floats (NCHW, images one after another). */
    public List<VisionFeatures> encode(float[] pixelValues) {
        return encode(FloatBuffer.wrap(pixelValues));
    }

    /**
     * Encodes the batch in {@code pixelValues}' remaining floats: N images [3,512,512], preprocessed
     * as spec §1.4. The buffer's position is left unchanged.
     *
     * @throws OspreyException {@code BAD_INPUT} when the float count is not a positive multiple of one image
     */
    public synchronized List<VisionFeatures> encode(FloatBuffer pixelValues) {
        int remaining = pixelValues.remaining();
        if (remaining == 0 || remaining % imageFloats != 0) {
            throw OspreyException.badInput("pixel_values holds " + remaining + " floats, expected a positive multiple of "
                    + imageFloats + " (images of " + Shape.toString(imageShape) + ")");
        }
        int batch = remaining / imageFloats;
        Buffers io = buffers(batch);
        io.input().clear().put(pixelValues.duplicate()).flip();
        run(batch, io);
        List<VisionFeatures> features = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            features.add(features(io, i));
        }
        return features;
    }

    private void run(int batch, Buffers io) {
        Map<String, OnnxTensor> pinned = new LinkedHashMap<>();
        OnnxTensor input = null;
        try {
            input = OnnxTensor.createTensor(env, io.input().slice(0, batch * imageFloats), batched(batch, imageShape));
            for (Output output : outputs) {
                FloatBuffer buffer = io.outputs().get(output.name()).slice(0, batch * output.numel());
                pinned.put(output.name(), OnnxTensor.createTensor(env, buffer, batched(batch, output.shape())));
            }
            // The results are written into the pinned buffers; the returned Result holds no other data.
            OnnxTensor pixels = input;
            runs.run(() -> {
                session.run(Map.of(VisionGraphBuilder.PIXEL_VALUES, pixels), pinned).close();
                return null;
            });
        } catch (OrtException e) {
            throw new OspreyException(Reason.INTERNAL, "vision model " + model + " failed on a batch of " + batch + ": " + e.getMessage(), e);
        } finally {
            if (input != null) {
                input.close();
            }
            pinned.values().forEach(OnnxTensor::close);
        }
    }

    private VisionFeatures features(Buffers io, int image) {
        List<FeatureMap> levels = new ArrayList<>();
        for (Output output : outputs.subList(0, VisionConfig.STAGES)) {
            long[] s = output.shape();
            levels.add(new FeatureMap(output.name(), (int) s[0], (int) s[1], (int) s[2], slice(io, output, image)));
        }
        Output embeds = outputs.get(VisionConfig.STAGES);
        return new VisionFeatures(levels.get(0), levels.get(1), levels.get(2), levels.get(3),
                slice(io, embeds, image), (int) embeds.shape()[0], (int) embeds.shape()[1]);
    }

    private static float[] slice(Buffers io, Output output, int image) {
        float[] values = new float[output.numel()];
        io.outputs().get(output.name()).get(image * values.length, values);
        return values;
    }

    private Buffers buffers(int batch) {
        if (buffers == null || buffers.capacity() < batch) {
            Map<String, FloatBuffer> out = new HashMap<>();
            for (Output output : outputs) {
                out.put(output.name(), directFloats((long) batch * output.numel()));
            }
            buffers = new Buffers(batch, directFloats((long) batch * imageFloats), out);
        }
        return buffers;
    }

    private static FloatBuffer directFloats(long count) {
        return ByteBuffer.allocateDirect(Math.toIntExact(count * Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static long[] batched(int batch, long[] shape) {
        long[] full = new long[shape.length + 1];
        full[0] = batch;
        System.arraycopy(shape, 0, full, 1, shape.length);
        return full;
    }

    /** The shape of one image's slice of a batched value [N, ...], which must have fixed dimensions. */
    private static long[] perImageShape(Path model, Map<String, NodeInfo> info, String name) {
        NodeInfo node = info.get(name);
        if (node == null || !(node.getInfo() instanceof TensorInfo tensor)) {
            throw new OspreyException(Reason.BAD_BUNDLE, model + " has no tensor '" + name + "'; is it a vision model?");
        }
        long[] shape = Arrays.copyOfRange(tensor.getShape(), 1, tensor.getShape().length);
        if (Arrays.stream(shape).anyMatch(d -> d <= 0)) {
            throw new OspreyException(Reason.BAD_BUNDLE, model + ": '" + name + "' has shape " + Arrays.toString(tensor.getShape())
                    + ", expected fixed dimensions after the batch");
        }
        return shape;
    }

    /** Releases the session once the batch in flight is done (the reused buffers go with this object); later batches fail UNAVAILABLE. */
    @Override
    public void close() {
        try {
            runs.close(session::close);
        } catch (OrtException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot close the session of " + model + ": " + e.getMessage(), e);
        }
    }
}
