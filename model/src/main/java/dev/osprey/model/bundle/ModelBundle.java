package dev.osprey.model.bundle;

import dev.osprey.model.decode.DecoderConfig;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An opened model bundle: its manifest and the paths of its parts, checked to exist. Opening reads
 * only {@code bundle.json}; the stages load their own parts.
 */
public record ModelBundle(Path dir, BundleManifest manifest) {

    /** Opens a bundle folder, failing with a message that says how to make one. */
    public static ModelBundle open(Path dir) {
        BundleManifest manifest = BundleManifest.read(dir);
        ModelBundle bundle = new ModelBundle(dir, manifest);
        BundleManifest.Files files = manifest.files();
        for (String part : List.of(files.vision(), files.decoder(), files.extractor(), files.embeddings(), files.tokenizer())) {
            if (!Files.exists(dir.resolve(part))) {
                throw new OspreyException(Reason.BAD_BUNDLE, "bundle " + dir + " is incomplete: " + part + " is missing; convert the checkpoint again");
            }
        }
        return bundle;
    }

    /** The decoder's sizes; KV caches may hold up to the bundle's context limit. */
    public DecoderConfig decoderConfig() {
        BundleManifest.Llm llm = manifest.llm();
        return new DecoderConfig(llm.hidden(), llm.layers(), llm.heads(), llm.kvHeads(), llm.headDim(), llm.intermediate(),
                llm.vocab(), llm.rmsNormEps(), llm.ropeTheta(), llm.maxContext());
    }

    public Path visionModel() {
        return dir.resolve(manifest.files().vision());
    }

    public Path decoderModel() {
        return dir.resolve(manifest.files().decoder());
    }

    public Path extractorWeights() {
        return dir.resolve(manifest.files().extractor());
    }

    public Path embeddings() {
        return dir.resolve(manifest.files().embeddings());
    }

    public Path tokenizerDir() {
        return dir.resolve(manifest.files().tokenizer());
    }

    public Path tritonRepository() {
        return dir.resolve(manifest.files().triton());
    }
}
