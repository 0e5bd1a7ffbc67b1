package dev.osprey.model.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code osprey generate}: answers a question about regions of an image, end to end. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Answer a task or a free prompt about regions of an image.")
final class GenerateCommand implements Callable<Integer> {

    /** The reference's fixed questions. */
    enum Task { SHORT, DETAILED, CATEGORY }

    /** Exactly one of a task or a free prompt. */
    static final class Question {
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
        Float temperature;

        @Option(names = "--top-k", paramLabel = "K", description = "Keep the K most likely tokens.")
        Integer topK;

        @Option(names = "--top-p", paramLabel = "P", description = "Keep the smallest set with probability mass P.")
        Float topP;

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

    @Option(names = "--model", required = true, paramLabel = "BUNDLE", description = "Model bundle directory.")
    Path model;

    @Option(names = "--image", required = true, paramLabel = "IMG", description = "JPEG or PNG image.")
    Path image;

    @Option(names = "--mask", paramLabel = "M", description = "A region mask; repeat for several regions.")
    List<Path> masks = List.of();

    @ArgGroup(exclusive = true, multiplicity = "1")
    Question question;

    @Option(names = "--max-new-tokens", defaultValue = "256", paramLabel = "N",
            description = "Upper bound on generated tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @ArgGroup(exclusive = true)
    Decoding decoding;

    @Option(names = "--json", description = "Print input_ids, output_ids and text as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        return OspreyCli.notImplemented(spec, "issue #5");
    }
}
