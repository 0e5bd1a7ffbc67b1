package dev.osprey.model.bundle;

import dev.osprey.model.checkpoint.HfCheckpoint;
import dev.osprey.model.checkpoint.SafetensorsWriter;
import dev.osprey.model.checkpoint.TensorStore;
import dev.osprey.model.decode.DecoderConfig;
import dev.osprey.model.decode.DecoderGraphBuilder;
import dev.osprey.model.decode.DecoderPrecision;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.sam.SamCheckpoint;
import dev.osprey.model.sam.SamEncoderGraphBuilder;
import dev.osprey.model.sam.SamGraphs;
import dev.osprey.model.sam.SamModelFiles;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Tensor;
import dev.osprey.model.vision.TritonRepository;
import dev.osprey.model.vision.VisionConfig;
import dev.osprey.model.vision.VisionGraphBuilder;
import dev.osprey.model.vision.VisionPrecision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code osprey convert}: turns a Hugging Face Osprey checkpoint into a model bundle. Every part is
 * streamed tensor by tensor from the memory-mapped checkpoint, so the real 14 GB checkpoint converts
 * within a few GB of heap. The bundle is written to a temporary sibling folder and renamed into
 * place at the end, so a failed conversion never leaves a half bundle behind.
 */
public final class BundleConverter {

    /** The reference tokenizer's model_max_length: prompt, image tokens and answer must fit in it. */
    static final int MAX_CONTEXT = 2048;
    /** The SAM part's folder inside a bundle. */
    static final String SAM_DIR = "sam";

    private final Consumer<String> progress;
    // Null: no prefill graph.
    private final DecoderPrecision prefillPrecision;
    private final VisionPrecision visionPrecision;
    // Null: no SAM part.
    private final SamSource sam;

    /** A SAM checkpoint to add as the bundle's optional part, and its geometry file (null: beside it or from the shapes). */
    private record SamSource(Path checkpoint, Path config) {
    }

    /** @param progress receives one line per finished step (with its duration) */
    public BundleConverter(Consumer<String> progress) {
        this(progress, null, VisionPrecision.FP32, null);
    }

    private BundleConverter(Consumer<String> progress, DecoderPrecision prefillPrecision, VisionPrecision visionPrecision, SamSource sam) {
        this.progress = progress;
        this.prefillPrecision = prefillPrecision;
        this.visionPrecision = visionPrecision;
        this.sam = sam;
    }

    /**
     * This converter, also writing a decoder graph for long prompts at {@code precision}
     * ({@link DecoderGraphBuilder#PREFILL_MODEL_FILE}; see {@link dev.osprey.model.decode.DecoderSession}).
     */
    public BundleConverter withPrefillGraph(DecoderPrecision precision) {
        return new BundleConverter(progress, precision, visionPrecision, sam);
    }

    /** This converter, writing the vision graph's block MLPs and projector at {@code precision} (default fp32). */
    public BundleConverter withVisionPrecision(VisionPrecision precision) {
        return new BundleConverter(progress, prefillPrecision, precision, sam);
    }

    /**
     * This converter, also adding Segment Anything from an official checkpoint (see {@link SamCheckpoint#open}):
     * its two graphs and geometry in {@value #SAM_DIR}/, and its image encoder in the Triton repository as
     * {@value SamEncoderGraphBuilder#TRITON_MODEL_NAME}.
     */
    public BundleConverter withSam(Path checkpoint, Path config) {
        return new BundleConverter(progress, prefillPrecision, visionPrecision, new SamSource(checkpoint, config));
    }

    /** Converts {@code checkpointDir} into the bundle folder {@code out}. */
    public BundleManifest convert(Path checkpointDir, Path out, DecoderPrecision precision) {
        return convert(checkpointDir, out, precision, null, bundle -> { });
    }

    /**
     * As {@link #convert(Path, Path, DecoderPrecision)}, then {@code finish} (timed as {@code finishStep})
     * runs on the complete bundle before it is moved into place, e.g. to calibrate an int8 KV cache
     * with the bundle's own parts; a failure there leaves no bundle behind either.
     */
    public BundleManifest convert(Path checkpointDir, Path out, DecoderPrecision precision, String finishStep,
            Consumer<ModelBundle> finish) {
        prepareTarget(out);
        Path work = out.resolveSibling(out.getFileName() + ".converting");
        deleteRecursively(work);
        // The SAM checkpoint is opened (and checked) first: a wrong one fails before the long conversion.
        try (HfCheckpoint checkpoint = HfCheckpoint.open(checkpointDir);
                SamCheckpoint samCheckpoint = sam == null ? null : SamCheckpoint.open(sam.checkpoint(), sam.config())) {
            OspreyKeys.check(checkpoint, checkpointDir.toString());
            checkWeightTypes(checkpoint);
            Files.createDirectories(work);
            BundleManifest.Files files = prefillPrecision == null ? BundleManifest.Files.standard()
                    : BundleManifest.Files.standard().withPrefillDecoder(DecoderGraphBuilder.PREFILL_MODEL_FILE);

            VisionConfig vision = VisionConfig.from(checkpoint);
            DecoderConfig decoder = DecoderConfig.fromJson(checkpoint.config(), checkpoint);
            timed("vision model (" + visionPrecision.label() + ")", () -> VisionGraphBuilder.write(checkpoint, vision, visionPrecision, work));
            timed("Triton repository", () -> TritonRepository.DEFAULT.write(work.resolve(files.vision()), work.resolve(files.triton())));
            BundleManifest.Extractor extractor = timedValue("extractor weights", () -> writeExtractor(checkpoint, work.resolve(files.extractor())));
            timed("embedding table", () -> SafetensorsWriter.writeTensors(work.resolve(files.embeddings()),
                    List.of(checkpoint.get(DecoderConfig.EMBED_TOKENS)), Map.of()));
            timed("decoder model (" + precision.label() + ")", () -> DecoderGraphBuilder.build(checkpoint, decoder, precision, work));
            if (prefillPrecision != null) {
                timed("prefill decoder model (" + prefillPrecision.label() + ")", () -> DecoderGraphBuilder.buildFile(checkpoint, decoder,
                        prefillPrecision, DecoderGraphBuilder.ACCURACY_INT8_ACTIVATIONS, work.resolve(files.prefillDecoder())));
            }
            timed("tokenizer", () -> TokenizerFiles.copy(checkpoint.dir(), work.resolve(files.tokenizer())));
            BundleManifest.Sam samPart = samCheckpoint == null ? null : timedValue("SAM graphs (" + samCheckpoint.config().variant() + ")",
                    () -> writeSam(samCheckpoint, work, files));

            BundleManifest manifest = new BundleManifest(BundleManifest.FORMAT, BundleManifest.FORMAT_VERSION,
                    new BundleManifest.Source(checkpointDir.toAbsolutePath().toString(),
                            checkpoint.config().path("_name_or_path").asString(""),
                            checkpoint.config().path("torch_dtype").asString("")),
                    precision.label(),
                    BundleManifest.Image.osprey(),
                    new BundleManifest.Vision(vision.depths(), vision.dims(), vision.mmHidden(), visionPrecision.label()),
                    new BundleManifest.Llm(decoder.hidden(), decoder.layers(), decoder.heads(), decoder.kvHeads(), decoder.headDim(),
                            decoder.intermediate(), decoder.vocab(), decoder.rmsNormEps(), decoder.ropeTheta(),
                            Math.min(MAX_CONTEXT, decoder.maxPositions())),
                    extractor,
                    BundleManifest.Tokens.osprey(),
                    "osprey_v1",
                    files,
                    samPart);
            manifest.write(work);
            if (finishStep != null) {
                timed(finishStep, () -> finish.accept(new ModelBundle(work, manifest)));
            }
            deleteRecursively(out);
            Files.move(work, out, StandardCopyOption.ATOMIC_MOVE);
            return manifest;
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write bundle " + out + ": " + e.getMessage(), e);
        } finally {
            deleteRecursively(work);
        }
    }

    /** The SAM graphs and geometry, and the image encoder as a second model of the Triton repository. */
    private BundleManifest.Sam writeSam(SamCheckpoint checkpoint, Path work, BundleManifest.Files files) {
        SamModelFiles written = SamGraphs.write(checkpoint, work.resolve(SAM_DIR));
        TritonRepository.DEFAULT.write(written.imageEncoder(), work.resolve(files.triton()), SamEncoderGraphBuilder.TRITON_MODEL_NAME,
                "The Segment Anything image encoder (" + checkpoint.config().variant() + ")");
        return new BundleManifest.Sam(SAM_DIR, checkpoint.config().variant(), sam.checkpoint().toAbsolutePath().toString());
    }

    /** Refuses to overwrite a folder that is not a bundle (a typo must not delete someone's files). */
    private static void prepareTarget(Path out) {
        if (Files.exists(out) && !Files.exists(out.resolve(BundleManifest.FILE_NAME))) {
            try (Stream<Path> entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw OspreyException.badInput(out + " exists and is not a model bundle; choose an empty or new folder");
                }
            } catch (IOException e) {
                throw new OspreyException(Reason.INTERNAL, "cannot read " + out + ": " + e.getMessage(), e);
            }
        }
    }

    /** Weights must be floating point; anything else is not a checkpoint we know how to run. */
    private static void checkWeightTypes(TensorStore store) {
        List<String> wrong = store.names().stream()
                .filter(name -> !OspreyKeys.Part.UNUSED.equals(OspreyKeys.classify(name)))
                .filter(name -> {
                    DType type = store.get(name).dtype();
                    return type != DType.BF16 && type != DType.F16 && type != DType.F32;
                })
                .toList();
        if (!wrong.isEmpty()) {
            throw OspreyException.badCheckpoint("unsupported dtype for " + wrong.size() + " tensor(s), e.g. " + wrong.getFirst()
                    + " is " + store.get(wrong.getFirst()).dtype() + " (supported: bfloat16, float16, float32)");
        }
    }

    /** The mask extractor's weights as float32 (its math runs in float32, spec §3). */
    private static BundleManifest.Extractor writeExtractor(TensorStore store, Path file) {
        List<Tensor> tensors = store.names().stream()
                .filter(name -> OspreyKeys.Part.EXTRACTOR.equals(OspreyKeys.classify(name)))
                .map(name -> store.get(name).toF32())
                .toList();
        SafetensorsWriter.writeTensors(file, tensors, Map.of());
        List<Integer> levelDims = Stream.of("res2", "res3", "res4", "res5")
                .map(level -> (int) store.get("mask_extractor." + level + ".weight").shape()[1]).toList();
        int embed = (int) store.get("mask_extractor.res2.weight").shape()[0];
        int maskShape = (int) Math.round(Math.sqrt(store.get("mask_extractor.mask_linear.layers.0.weight").shape()[1]));
        return new BundleManifest.Extractor(levelDims, embed, maskShape);
    }

    private <T> T timedValue(String step, java.util.function.Supplier<T> work) {
        long start = System.nanoTime();
        T result = work.get();
        progress.accept(String.format("%-28s %8.1f s", step, (System.nanoTime() - start) / 1e9));
        return result;
    }

    private void timed(String step, Runnable work) {
        timedValue(step, () -> {
            work.run();
            return null;
        });
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
