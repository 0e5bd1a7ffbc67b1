package dev.osprey.model.cli;

import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.checkpoint.SafetensorsWriter;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.PngWriter;
import dev.osprey.model.image.RgbImage;
import dev.osprey.model.mask.PngMasks;
import dev.osprey.model.sam.SamBox;
import dev.osprey.model.sam.SamConfig;
import dev.osprey.model.sam.SamDecoderInput;
import dev.osprey.model.sam.SamEmbedding;
import dev.osprey.model.sam.SamInput;
import dev.osprey.model.sam.SamMasks;
import dev.osprey.model.sam.SamPoint;
import dev.osprey.model.sam.SamPrediction;
import dev.osprey.model.sam.SamPredictor;
import dev.osprey.model.sam.SamPreprocessor;
import dev.osprey.model.sam.SamPrompt;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code osprey segment}: SAM masks for point and box prompts, with every intermediate tensor under
 * the golden set's names (resized.png, image.safetensors, tensors.safetensors, mask_k.png).
 */
@Command(name = "segment", mixinStandardHelpOptions = true,
        description = "Segment an image with Segment Anything from point and box prompts (coordinates in original pixels).")
final class SegmentCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SamModelOption model;

    @Option(names = "--image", required = true, paramLabel = "IMG", description = "JPEG or PNG image.")
    Path image;

    @Option(names = "--point", paramLabel = "X,Y,LABEL", converter = PointConverter.class,
            description = "A point prompt; LABEL 1 foreground, 0 background. Repeat for several.")
    List<SamPoint> points = new ArrayList<>();

    @Option(names = "--box", paramLabel = "X0,Y0,X1,Y1", converter = BoxConverter.class, description = "A box prompt.")
    SamBox box;

    @Option(names = "--mask-input", paramLabel = "FILE.safetensors",
            description = "A previous low-resolution mask: tensor mask_input [1,1,256,256] of raw logits (e.g. a low_res_logits plane).")
    Path maskInput;

    @Option(names = "--multimask", description = "Return the three multimask outputs instead of the single mask.")
    boolean multimask;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "ONNX Runtime threads (default: one per core).")
    int threads;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write the outputs into.")
    Path out;

    @Override
    public Integer call() {
        RgbImage decoded = new ImageDecoder().decode(CliFiles.read(image, "image"));
        try (SamPredictor sam = model.open(threads)) {
            SamConfig config = sam.config();
            SamPrompt prompt = new SamPrompt(points, box, maskInput == null ? null : readMaskInput(config.lowResSide()));
            prompt.validate(decoded.width(), decoded.height());
            SamInput input = new SamPreprocessor(config).prepare(decoded);
            SamEmbedding embedding = sam.embed(input);
            SamDecoderInput decoderInput = sam.decoderInput(embedding, List.of(prompt));
            SamPrediction prediction = SamPredictor.select(sam.decode(embedding, decoderInput, true).getFirst(), sam.selection(multimask));
            Files.createDirectories(out);
            Files.write(out.resolve("resized.png"), PngWriter.rgb(input.resized()));
            int grid = config.gridSide();
            SafetensorsWriter.writeTensors(out.resolve("image.safetensors"), List.of(Tensor.ofFloats("image_embeddings",
                    new long[] {1, config.channels(), grid, grid}, embedding.values())), Map.of());
            SafetensorsWriter.writeTensors(out.resolve("tensors.safetensors"), tensors(prompt, decoderInput, prediction, config), Map.of());
            for (int k = 0; k < prediction.count(); k++) {
                Files.write(out.resolve("mask_" + k + ".png"), PngMasks.encode(SamMasks.mask(prediction, k, embedding)));
            }
            spec.commandLine().getOut().printf("%d mask(s) of %dx%d, iou %s, best %d, written to %s%n", prediction.count(), decoded.width(),
                    decoded.height(), Arrays.toString(prediction.iouPredictions()), prediction.bestIndex(), out);
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write " + out + ": " + e.getMessage(), e);
        }
        return 0;
    }

    /** The golden README's tensors: transformed prompts without the padding point, prompt embeddings, logits, IoUs. */
    private List<Tensor> tensors(SamPrompt prompt, SamDecoderInput in, SamPrediction p, SamConfig config) {
        List<Tensor> tensors = new ArrayList<>();
        int n = prompt.points().size();
        if (n > 0) {
            tensors.add(Tensor.ofFloats("point_coords", new long[] {1, n, 2}, Arrays.copyOf(in.pointCoords(), 2 * n)));
            ByteBuffer labels = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            prompt.points().forEach(point -> labels.putInt(point.label()));
            tensors.add(new Tensor("point_labels", DType.I32, new long[] {1, n}, labels.flip()));
        }
        if (prompt.box() != null) {
            tensors.add(Tensor.ofFloats("boxes", new long[] {1, 1, 4}, Arrays.copyOfRange(in.pointCoords(), 2 * n, 2 * n + 4)));
        }
        int side = config.lowResSide();
        int grid = config.gridSide();
        if (prompt.maskInput() != null) {
            tensors.add(Tensor.ofFloats("mask_input", new long[] {1, 1, side, side}, prompt.maskInput()));
            tensors.add(Tensor.ofFloats("dense_embeddings", new long[] {1, config.channels(), grid, grid}, p.denseEmbeddings()));
        }
        tensors.add(Tensor.ofFloats("sparse_embeddings", new long[] {1, in.points(), config.channels()}, p.sparseEmbeddings()));
        tensors.add(Tensor.ofFloats("low_res_logits", new long[] {1, p.count(), side, side}, p.lowResLogits()));
        tensors.add(Tensor.ofFloats("iou_predictions", new long[] {1, p.count()}, p.iouPredictions()));
        return tensors;
    }

    private float[] readMaskInput(int side) {
        if (!Files.isRegularFile(maskInput)) {
            throw OspreyException.badInput("mask input file " + maskInput + " does not exist");
        }
        try (SafetensorsFile file = SafetensorsFile.open(maskInput)) {
            if (!file.contains("mask_input")) {
                throw OspreyException.badInput(maskInput + " has no tensor mask_input (it has " + file.names() + ")");
            }
            Tensor t = file.get("mask_input");
            if (!Arrays.equals(t.shape(), new long[] {1, 1, side, side})) {
                throw OspreyException.badInput(maskInput + ": mask_input is " + Arrays.toString(t.shape()) + ", expected [1, 1, " + side + ", "
                        + side + "]");
            }
            return t.toFloats();
        }
    }

    /** {@code X,Y,LABEL}. */
    static final class PointConverter implements CommandLine.ITypeConverter<SamPoint> {
        @Override
        public SamPoint convert(String value) {
            double[] v = numbers(value, 3, "X,Y,LABEL");
            if (v[2] != 0 && v[2] != 1) {
                throw new CommandLine.TypeConversionException("point label must be 1 (foreground) or 0 (background), got '" + value + "'");
            }
            return new SamPoint(v[0], v[1], (int) v[2]);
        }
    }

    /** {@code X0,Y0,X1,Y1}. */
    static final class BoxConverter implements CommandLine.ITypeConverter<SamBox> {
        @Override
        public SamBox convert(String value) {
            double[] v = numbers(value, 4, "X0,Y0,X1,Y1");
            return new SamBox(v[0], v[1], v[2], v[3]);
        }
    }

    private static double[] numbers(String value, int count, String form) {
        String[] parts = value.split(",", -1);
        if (parts.length != count) {
            throw new CommandLine.TypeConversionException("expected " + form + ", got '" + value + "'");
        }
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("expected numbers " + form + ", got '" + value + "'");
            }
            if (!Double.isFinite(out[i])) {
                throw new CommandLine.TypeConversionException("expected finite numbers " + form + ", got '" + value + "'");
            }
        }
        return out;
    }
}
