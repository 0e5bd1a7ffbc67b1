package dev.osprey.model.checkpoint;

import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.tensor.DType;
import dev.osprey.model.tensor.Floats;
import dev.osprey.model.tensor.Shape;
import dev.osprey.model.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a random Osprey checkpoint in the Hugging Face layout of the real one: {@code config.json},
 * two bf16 PyTorch shards with {@code pytorch_model.bin.index.json} (the embedding table and the first
 * layers in shard 1), and the LLaMA tokenizer files with Osprey's {@code <mask>}/{@code <pos>}.
 * Key names are the real ones, including the tensors Osprey never uses (rotary inv_freq, the CLIP
 * pooling head). Tensors are generated and written one at a time.
 */
public final class RandomCheckpoint {

    private static final String TRUNK = "model.vision_tower.vision_tower.visual.trunk.";
    private static final String VISUAL_HEAD = "model.vision_tower.vision_tower.visual.head.";
    private static final String SHARD_1 = "pytorch_model-00001-of-00002.bin";
    private static final String SHARD_2 = "pytorch_model-00002-of-00002.bin";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** How a tensor's random values are drawn: uniform with this mean and standard deviation. */
    private record Init(double mean, double std) {
    }

    private record Spec(String name, long[] shape, Init init) {
    }

    private final CheckpointGeometry g;
    private final long seed;

    public RandomCheckpoint(CheckpointGeometry geometry, long seed) {
        this.g = geometry;
        this.seed = seed;
    }

    /** Writes the checkpoint into {@code dir} (created if needed). */
    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            List<Spec> shard1 = new ArrayList<>();
            List<Spec> shard2 = new ArrayList<>();
            shard1.add(new Spec("model.embed_tokens.weight", shape(g.vocab(), g.hidden()), new Init(0, 1)));
            for (int l = 0; l < g.layers(); l++) {
                (l < g.shard1Layers() ? shard1 : shard2).addAll(decoderLayer(l));
            }
            shard2.addAll(rest());
            writeShard(dir.resolve(SHARD_1), shard1);
            writeShard(dir.resolve(SHARD_2), shard2);
            writeIndex(dir, shard1, shard2);
            writeConfig(dir);
            copyTokenizer(dir);
        } catch (IOException e) {
            throw new OspreyException(Reason.INTERNAL, "cannot write checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The vision tower's and projector's tensors of this checkpoint, generated in memory when asked
     * for (bf16, the same values {@link #write} stores): a ConvNeXt-L-shaped model for tests without
     * writing the LLM's gigabytes.
     */
    public TensorStore visionWeights() {
        Map<String, Spec> specs = new TreeMap<>();
        for (Spec spec : visionTower()) {
            specs.put(spec.name(), spec);
        }
        return new TensorStore() {
            @Override
            public Set<String> names() {
                return specs.keySet();
            }

            @Override
            public Tensor get(String name) {
                Spec spec = specs.get(name);
                if (spec == null) {
                    throw OspreyException.badCheckpoint("no vision tensor '" + name + "' in the random checkpoint");
                }
                return new Tensor(name, DType.BF16, spec.shape(), values(spec));
            }

            @Override
            public void close() {
                // Nothing is held: every tensor is generated when asked for.
            }
        };
    }

    private List<Spec> decoderLayer(int l) {
        String p = "model.layers." + l + ".";
        int hd = g.headDim();
        // q/k with gain 2, as in the golden checkpoint, so that attention is not uniform.
        double qk = 2 / Math.sqrt(g.hidden());
        return List.of(
                new Spec(p + "input_layernorm.weight", shape(g.hidden()), new Init(1, 0.1)),
                new Spec(p + "mlp.down_proj.weight", shape(g.hidden(), g.intermediate()), linear(g.intermediate())),
                new Spec(p + "mlp.gate_proj.weight", shape(g.intermediate(), g.hidden()), linear(g.hidden())),
                new Spec(p + "mlp.up_proj.weight", shape(g.intermediate(), g.hidden()), linear(g.hidden())),
                new Spec(p + "post_attention_layernorm.weight", shape(g.hidden()), new Init(1, 0.1)),
                new Spec(p + "self_attn.k_proj.weight", shape((long) g.kvHeads() * hd, g.hidden()), new Init(0, qk)),
                new Spec(p + "self_attn.o_proj.weight", shape(g.hidden(), (long) g.heads() * hd), linear(g.heads() * hd)),
                new Spec(p + "self_attn.q_proj.weight", shape((long) g.heads() * hd, g.hidden()), new Init(0, qk)),
                new Spec(p + "self_attn.rotary_emb.inv_freq", shape(hd / 2), null),
                new Spec(p + "self_attn.v_proj.weight", shape((long) g.kvHeads() * hd, g.hidden()), linear(g.hidden())));
    }

    private List<Spec> rest() {
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec("lm_head.weight", shape(g.vocab(), g.hidden()), linear(g.hidden())));
        int e = g.extractorDim();
        int mask = g.maskShape() * g.maskShape();
        specs.addAll(linearLayer("mask_extractor.feat_linear.", g.hidden(), e));
        specs.addAll(linearLayer("mask_extractor.mask_linear.layers.0.", e, mask));
        specs.addAll(linearLayer("mask_extractor.mask_linear.layers.1.", e, e));
        specs.addAll(linearLayer("mask_extractor.mask_linear.layers.2.", g.hidden(), e));
        for (int k = 0; k < 4; k++) {
            specs.addAll(linearLayer("mask_extractor.res" + (k + 2) + ".", e, g.visionDims()[k]));
        }
        specs.add(new Spec("model.norm.weight", shape(g.hidden()), new Init(1, 0.1)));
        specs.addAll(visionTower());
        specs.sort((a, b) -> a.name().compareTo(b.name()));
        return specs;
    }

    /** The ConvNeXt trunk, its (unused) CLIP head and the mm_projector. */
    private List<Spec> visionTower() {
        List<Spec> specs = new ArrayList<>();
        specs.addAll(linearLayer("model.mm_projector.0.", g.hidden(), g.mmHidden()));
        specs.addAll(linearLayer("model.mm_projector.2.", g.hidden(), g.hidden()));
        int last = g.visionDims()[3];
        specs.add(new Spec(VISUAL_HEAD + "mlp.fc1.bias", shape(2L * g.clipEmbed()), new Init(0, 0.02)));
        specs.add(new Spec(VISUAL_HEAD + "mlp.fc1.weight", shape(2L * g.clipEmbed(), last), linear(last)));
        specs.add(new Spec(VISUAL_HEAD + "mlp.fc2.weight", shape(g.clipEmbed(), 2L * g.clipEmbed()), linear(2 * g.clipEmbed())));
        specs.addAll(layerNorm(TRUNK + "head.norm.", last));
        for (int s = 0; s < 4; s++) {
            int c = g.visionDims()[s];
            for (int b = 0; b < g.visionDepths()[s]; b++) {
                String p = TRUNK + "stages." + s + ".blocks." + b + ".";
                specs.add(new Spec(p + "conv_dw.bias", shape(c), new Init(0, 0.02)));
                specs.add(new Spec(p + "conv_dw.weight", shape(c, 1, 7, 7), linear(49)));
                // Layer scale around 0.5 instead of the 1e-6 init, so that blocks matter.
                specs.add(new Spec(p + "gamma", shape(c), new Init(0.5, 0.1)));
                specs.addAll(linearLayer(p + "mlp.fc1.", 4 * c, c));
                specs.addAll(linearLayer(p + "mlp.fc2.", c, 4 * c));
                specs.addAll(layerNorm(p + "norm.", c));
            }
            if (s > 0) {
                int in = g.visionDims()[s - 1];
                String p = TRUNK + "stages." + s + ".downsample.";
                specs.addAll(layerNorm(p + "0.", in));
                specs.add(new Spec(p + "1.bias", shape(c), new Init(0, 0.02)));
                specs.add(new Spec(p + "1.weight", shape(c, in, 2, 2), linear(in * 4)));
            }
        }
        int stem = g.visionDims()[0];
        specs.add(new Spec(TRUNK + "stem.0.bias", shape(stem), new Init(0, 0.02)));
        specs.add(new Spec(TRUNK + "stem.0.weight", shape(stem, 3, 4, 4), linear(48)));
        specs.addAll(layerNorm(TRUNK + "stem.1.", stem));
        return specs;
    }

    private static List<Spec> linearLayer(String prefix, long out, long in) {
        return List.of(new Spec(prefix + "bias", shape(out), new Init(0, 0.02)),
                new Spec(prefix + "weight", shape(out, in), linear(in)));
    }

    private static List<Spec> layerNorm(String prefix, long width) {
        return List.of(new Spec(prefix + "bias", shape(width), new Init(0, 0.02)),
                new Spec(prefix + "weight", shape(width), new Init(1, 0.1)));
    }

    /** A linear layer's weights, scaled so that activations keep their size. */
    private static Init linear(long fanIn) {
        return new Init(0, 1 / Math.sqrt(fanIn));
    }

    private static long[] shape(long... dims) {
        return dims;
    }

    private void writeShard(Path file, List<Spec> specs) {
        List<PendingTensor> tensors = specs.stream()
                .map(s -> new PendingTensor(s.name(), DType.BF16, s.shape(), () -> values(s)))
                .toList();
        TorchCheckpointWriter.write(file, tensors);
    }

    /** bf16 values of one tensor; each tensor has its own stream, so shards do not depend on each other. */
    private ByteBuffer values(Spec spec) {
        int n = Math.toIntExact(Shape.numel(spec.shape()));
        ByteBuffer out = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        if (spec.init() == null) {
            // rotary_emb.inv_freq: the buffer the reference stores (and ignores), 1 / theta^(2i/d).
            int headDim = 2 * n;
            for (int i = 0; i < n; i++) {
                out.putShort(Floats.floatToBf16((float) (1 / Math.pow(10000, 2.0 * i / headDim))));
            }
            return out.flip();
        }
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + spec.name().hashCode());
        // Uniform on [mean - a, mean + a] has standard deviation a / sqrt(3).
        double a = spec.init().std() * Math.sqrt(3);
        double mean = spec.init().mean();
        for (int i = 0; i < n; i++) {
            out.putShort(Floats.floatToBf16((float) (mean + a * (2 * random.nextDouble() - 1))));
        }
        return out.flip();
    }

    private void writeIndex(Path dir, List<Spec> shard1, List<Spec> shard2) throws IOException {
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (Spec s : shard1) {
            weightMap.put(s.name(), SHARD_1);
            total += 2 * Shape.numel(s.shape());
        }
        for (Spec s : shard2) {
            weightMap.put(s.name(), SHARD_2);
            total += 2 * Shape.numel(s.shape());
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        Files.writeString(dir.resolve("pytorch_model.bin.index.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
    }

    private void writeConfig(Path dir) throws IOException {
        ObjectNode c = JSON.createObjectNode();
        c.put("_name_or_path", "osprey-random-seed" + seed);
        c.putArray("architectures").add("OspreyLlamaForCausalLM");
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("freeze_mm_mlp_adapter", false);
        c.put("hidden_act", "silu");
        c.put("hidden_size", g.hidden());
        c.put("image_aspect_ratio", "pad");
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", g.intermediate());
        c.put("max_position_embeddings", 4096);
        c.put("mm_hidden_size", g.mmHidden());
        c.put("mm_projector_type", "mlp2x_gelu");
        c.put("mm_use_im_patch_token", false);
        c.put("mm_use_im_start_end", false);
        c.put("mm_vision_tower", "open_clip_pytorch_model.bin");
        c.put("model_type", "osprey");
        c.put("num_attention_heads", g.heads());
        c.put("num_hidden_layers", g.layers());
        c.put("num_key_value_heads", g.kvHeads());
        c.put("pad_token_id", 0);
        c.put("pretraining_tp", 1);
        c.put("rms_norm_eps", 1e-5);
        c.putNull("rope_scaling");
        c.put("rope_theta", 10000.0);
        c.put("tie_word_embeddings", false);
        c.put("torch_dtype", "bfloat16");
        c.put("transformers_version", "4.31.0");
        c.put("tune_mm_mlp_adapter", false);
        c.put("use_cache", true);
        c.put("use_mm_proj", true);
        c.put("vocab_size", g.vocab());
        Files.writeString(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c));
    }

    private static void copyTokenizer(Path dir) throws IOException {
        for (String name : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json")) {
            try (InputStream in = RandomCheckpoint.class.getResourceAsStream("tokenizer/" + name)) {
                if (in == null) {
                    throw new OspreyException(Reason.INTERNAL, "tokenizer resource " + name + " is missing from the build");
                }
                Files.copy(in, dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
