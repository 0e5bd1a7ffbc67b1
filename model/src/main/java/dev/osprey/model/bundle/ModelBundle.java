package dev.osprey.model.bundle;

import dev.osprey.model.decode.DecoderConfig;
import dev.osprey.model.decode.DecoderSession;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.sam.SamGraphs;
import dev.osprey.model.sam.SamModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
        List<String> parts = new ArrayList<>(List.of(files.vision(), files.decoder(), files.extractor(), files.embeddings(), files.tokenizer()));
        if (files.prefillDecoder() != null) {
            parts.add(files.prefillDecoder());
        }
        for (String part : parts) {
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

    /** The decoder graph for long prompts, or null if the bundle has none. */
    public Path prefillDecoderModel() {
        String file = manifest.files().prefillDecoder();
        return file == null ? null : dir.resolve(file);
    }

    /** Opens the decoder, with its prefill graph if the bundle has one. */
    public DecoderSession openDecoder(int threads) {
        return openDecoder(threads, DecoderSession.DEFAULT_IDLE_KV_BYTES);
    }

    /** As {@link #openDecoder(int)}, keeping up to {@code idleKvBytes} of closed KV caches for the next ones. */
    public DecoderSession openDecoder(int threads, long idleKvBytes) {
        return DecoderSession.open(decoderModel(), prefillDecoderModel(), decoderConfig(), threads, idleKvBytes, file -> options -> { });
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

    /** The Segment Anything part, when the bundle was converted with one ({@code osprey convert --sam}). */
    public Optional<SamModelFiles> sam() {
        BundleManifest.Sam sam = manifest.sam();
        return sam == null ? Optional.empty() : Optional.of(SamGraphs.read(dir.resolve(sam.dir())));
    }

    public Path tritonRepository() {
        return dir.resolve(manifest.files().triton());
    }
}
