package dev.osprey.model.cli;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.MaskFiles;
import dev.osprey.model.pipeline.Answer;
import dev.osprey.model.pipeline.OspreyPipeline;
import dev.osprey.model.pipeline.Question;
import dev.osprey.model.text.TaskPrompt;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code osprey generate}: answers a question about regions of an image, end to end. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Answer a task or a free prompt about regions of an image.",
                "A task is asked about every mask; the answers decode together as one batch and print one line each"
                        + " (\"region1: ...\") when there are several masks.",
                "With --json: one object {\"input_ids\", \"output_ids\", \"text\", \"finish_reason\"}; for a task over"
                        + " several masks {\"answers\": [{\"region\": 1, \"input_ids\", ...}, ...]}. input_ids are the"
                        + " reference's: -200 where the image goes, 32000 32001 per region.",
                "Without --greedy or sampling flags, samples as the reference does: temperature 0.2, top-k 50, top-p 1.0."})
final class GenerateCommand implements Callable<Integer> {

    /** The reference's fixed questions. */
    enum Task {
        SHORT(TaskPrompt.SHORT), DETAILED(TaskPrompt.DETAILED), CATEGORY(TaskPrompt.CATEGORY);

        final TaskPrompt prompt;

        Task(TaskPrompt prompt) {
            this.prompt = prompt;
        }
    }

    /** Exactly one of a task or a free prompt. */
    static final class QuestionOptions {
        @Option(names = "--task", required = true, paramLabel = "short|detailed|category",
                description = "A fixed task, asked about each region.")
        Task task;

        @Option(names = "--prompt", required = true, paramLabel = "TEXT",
                description = "Free text referring to the masks as <region1>, <region2>, ...")
        String prompt;
    }

    /** Random sampling settings; absent means the reference defaults. */
    static final class Sampling {
        @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature.")
        Double temperature;

        @Option(names = "--top-k", paramLabel = "K", description = "Keep the K most likely tokens.")
        Integer topK;

        @Option(names = "--top-p", paramLabel = "P", description = "Keep the smallest set with probability mass P.")
        Double topP;

        @Option(names = "--seed", paramLabel = "S", description = "Seed for reproducible sampling.")
        Long seed;
    }

    /** Greedy decoding or random sampling, not both. */
    static final class Decoding {
        @Option(names = "--greedy", description = "Pick the most likely token at every step.")
        boolean greedy;

        @ArgGroup(exclusive = false)
        Sampling sampling;
    }

    @Spec
    CommandSpec spec;

    @Mixin
    BundleOption bundle;

    @Option(names = "--image", required = true, paramLabel = "IMG", description = "JPEG or PNG image.")
    Path image;

    @Option(names = "--mask", paramLabel = "M", description = "A region mask; repeat for several regions.")
    List<Path> masks = List.of();

    @Mixin
    SamRegions samRegions;

    @ArgGroup(exclusive = true, multiplicity = "1")
    QuestionOptions question;

    @Option(names = "--max-new-tokens", defaultValue = "256", paramLabel = "N",
            description = "Upper bound on generated tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @ArgGroup(exclusive = true)
    Decoding decoding;

    @Option(names = "--json", description = "Print input_ids, output_ids and text as one JSON object.")
    boolean json;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "T",
            description = "Intra-op threads per ONNX Runtime session (default: ${DEFAULT-VALUE} = one per core).")
    int threads;

    @Override
    public Integer call() {
        byte[] image = CliFiles.read(this.image, "image");
        Question asked = question.task != null ? new Question.Task(question.task.prompt) : new Question.Prompt(question.prompt);
        GenerationRequest request = GenerationRequest.of(sampling(), maxNewTokens);
        List<Answer> answers;
        ModelBundle opened = bundle.open();
        List<BinaryMask> regions = new ArrayList<>(MaskFiles.readAll(masks));
        regions.addAll(samRegions.masks(opened, image, threads));
        try (OspreyPipeline pipeline = new OspreyPipeline(opened, threads)) {
            answers = pipeline.answer(image, regions, asked, request);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JsonMapper.builder().build().writeValueAsString(toJson(answers)));
        } else if (answers.size() == 1) {
            out.println(answers.getFirst().text());
        } else {
            answers.forEach(a -> out.println("region" + a.region() + ": " + a.text()));
        }
        return 0;
    }

    // Flags left out take the reference's defaults.
    private SamplingSettings sampling() {
        if (decoding != null && decoding.greedy) {
            return SamplingSettings.greedy();
        }
        Sampling given = decoding != null && decoding.sampling != null ? decoding.sampling : new Sampling();
        return SamplingSettings.orDefaults(given.temperature, given.topK, given.topP, given.seed);
    }

    private static ObjectNode toJson(List<Answer> answers) {
        JsonMapper mapper = JsonMapper.builder().build();
        if (answers.size() == 1) {
            return answerJson(mapper, answers.getFirst());
        }
        ObjectNode root = mapper.createObjectNode();
        ArrayNode items = root.putArray("answers");
        for (Answer answer : answers) {
            ObjectNode item = items.addObject().put("region", answer.region());
            item.setAll(answerJson(mapper, answer));
        }
        return root;
    }

    private static ObjectNode answerJson(JsonMapper mapper, Answer answer) {
        ObjectNode node = mapper.createObjectNode();
        ArrayNode input = node.putArray("input_ids");
        for (int id : answer.inputIds()) {
            input.add(id);
        }
        ArrayNode output = node.putArray("output_ids");
        for (int id : answer.outputIds()) {
            output.add(id);
        }
        return node.put("text", answer.text()).put("finish_reason", answer.finishReason().jsonName());
    }
}
