package dev.osprey.model.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.model.TinyBundle;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import dev.osprey.model.generate.FinishReason;
import dev.osprey.model.generate.Generation;
import dev.osprey.model.generate.GenerationRequest;
import dev.osprey.model.generate.Generator;
import dev.osprey.model.generate.SamplingSettings;
import dev.osprey.model.text.OspreyTokenizer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An interrupt reaches ONNX Runtime itself: a run started after it (or running when it comes) is
 * refused by the runtime's terminate flag, reported as CANCELLED, and a generation ends CANCELLED
 * rather than failing, even when nothing polls its cancelled() supplier.
 */
class RunInterruptTest {

    static ModelBundle bundle;
    static DecoderSession session;

    @BeforeAll
    static void open() {
        bundle = TinyBundle.open();
        session = DecoderSession.open(bundle.decoderModel(), bundle.decoderConfig(), 1);
    }

    @AfterAll
    static void close() {
        session.close();
    }

    @Test
    void anInterruptedRunIsRefusedByTheRuntimeAsCancelled() {
        int hidden = session.config().hidden();
        try (KvCache cache = session.newCache(1, 8); RunInterrupt interrupt = new RunInterrupt()) {
            cache.interruptWith(interrupt);
            session.prefill(cache, new float[2 * hidden], 2);
            interrupt.interrupt();
            long runs = session.runs();
            assertThatThrownBy(() -> session.step(cache, new float[hidden])).isInstanceOfSatisfying(OspreyException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.CANCELLED));
            assertThat(session.runs()).as("the run was attempted").isEqualTo(runs + 1);
            assertThat(cache.length()).as("nothing appended").isEqualTo(2);
        }
    }

    @Test
    void aGenerationWhosePrefillIsInterruptedEndsCancelled() {
        int hidden = session.config().hidden();
        try (SafetensorsFile embeddingFile = SafetensorsFile.open(bundle.embeddings());
                OspreyTokenizer tokenizer = OspreyTokenizer.load(bundle.tokenizerDir());
                KvCache cache = session.newCache(1, 16);
                RunInterrupt interrupt = new RunInterrupt()) {
            Generator generator = new Generator(session, EmbeddingTable.from(embeddingFile), tokenizer);
            interrupt.interrupt();
            List<Generation> out = generator.generate(cache, new float[4 * hidden], 4,
                    GenerationRequest.of(SamplingSettings.greedy(), 8).withInterrupt(interrupt));
            assertThat(out).singleElement().satisfies(g -> {
                assertThat(g.finishReason()).isEqualTo(FinishReason.CANCELLED);
                assertThat(g.outputIds()).isEmpty();
            });
        }
    }
}
