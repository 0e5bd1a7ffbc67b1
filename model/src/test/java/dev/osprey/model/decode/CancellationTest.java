package dev.osprey.model.decode;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtSession;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A cancellation reaches ONNX Runtime itself: a run given a cancelled {@link Cancellation} (or running
 * when the cancel comes) is refused by the runtime's terminate flag and reported as CANCELLED, whether
 * the run options were made before the cancel or after it. The KV cache knows nothing of it.
 */
class CancellationTest {

    static DecoderSession session;

    @BeforeAll
    static void open() {
        ModelBundle bundle = TinyBundle.open();
        session = DecoderSession.open(bundle.decoderModel(), bundle.decoderConfig(), 1);
    }

    @AfterAll
    static void close() {
        session.close();
    }

    @Test
    void aRunAfterTheCancelIsRefusedByTheRuntimeAsCancelled() {
        int hidden = session.config().hidden();
        try (KvCache cache = session.newCache(1, 8); Cancellation cancellation = new Cancellation()) {
            session.prefill(cache, new float[2 * hidden], 2, cancellation);
            cancellation.cancel();
            long runs = session.runs();
            assertCancelled(() -> session.step(cache, new float[hidden], cancellation));
            assertThat(session.runs()).as("the run was attempted").isEqualTo(runs + 1);
            assertThat(cache.length()).as("nothing appended").isEqualTo(2);
        }
    }

    @Test
    void aCancelBeforeTheFirstRunRefusesItToo() {
        int hidden = session.config().hidden();
        try (KvCache cache = session.newCache(1, 8); Cancellation cancellation = new Cancellation()) {
            cancellation.cancel();
            assertCancelled(() -> session.prefill(cache, new float[2 * hidden], 2, cancellation));
            assertThat(cache.length()).as("nothing appended").isZero();
        }
    }

    @Test
    void aCancelAfterCloseIsHarmlessAndNoneCannotBeCancelled() {
        Cancellation cancellation = new Cancellation();
        try (KvCache cache = session.newCache(1, 8)) {
            session.prefill(cache, new float[session.config().hidden()], 1, cancellation);
        }
        cancellation.close();
        // A client's cancel may come after its generation ended and freed the run options.
        cancellation.cancel();
        assertThat(cancellation.cancelled()).isTrue();
        assertThatThrownBy(Cancellation.NONE::cancel).isInstanceOf(IllegalStateException.class);
        assertThat(Cancellation.NONE.cancelled()).isFalse();
    }

    @Test
    void theKvCacheCarriesNoCancellationState() {
        noClasses().that().belongToAnyOf(KvCache.class)
                .should().dependOnClassesThat().belongToAnyOf(Cancellation.class, OrtSession.RunOptions.class)
                .check(new ClassFileImporter().importClasses(KvCache.class));
    }

    private static void assertCancelled(Runnable run) {
        assertThatThrownBy(run::run).isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.CANCELLED));
    }
}
