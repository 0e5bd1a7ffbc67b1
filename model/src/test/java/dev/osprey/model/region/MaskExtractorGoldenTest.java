package dev.osprey.model.region;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.mask.BinaryMask;
import dev.osprey.model.mask.MaskFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The extractor on each golden case, all of the image's masks in one call (Q = all masks), fed the
 * golden res2..res5 and the tiny checkpoint: every stage within the README's 1e-4 + 1e-4 and the
 * selected cells per level exact.
 */
class MaskExtractorGoldenTest {

    private static final double ATOL = 1e-4;
    private static final double RTOL = 1e-4;
    private static final String[] CASES = Golden.CASES;

    private static SafetensorsFile checkpoint;
    private static MaskExtractor extractor;

    @BeforeAll
    static void load() {
        checkpoint = SafetensorsFile.open(Golden.safetensorsCheckpoint().resolve("model.safetensors"));
        extractor = new MaskExtractor(MaskExtractorWeights.load(checkpoint));
    }

    @AfterAll
    static void close() {
        checkpoint.close();
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void everyStageMatchesTheReference(String caseName) {
        JsonNode result = JsonMapper.builder().build().readTree(Golden.file("reference/" + caseName + "/result.json").toFile());
        Path inputs = Golden.file("inputs");
        List<BinaryMask> masks = new ArrayList<>();
        for (JsonNode m : result.get("masks")) {
            masks.add(MaskFiles.read(inputs.resolve(m.get("png").asString()), masks.size() + 1));
        }
        try (SafetensorsFile golden = Golden.tensors(caseName)) {
            ExtractorStages stages = extractor.stages(FeatureMaps.read(golden), masks);
            Golden.assertClose(caseName + " pos_input_112", Rows.flat(stages.posInput()), golden.floats("pos_input_112"), ATOL, RTOL);
            for (int k = 0; k < 4; k++) {
                String level = FeatureMaps.NAMES.get(k);
                Golden.assertClose(caseName + " mask_pooled." + level, Rows.flat(stages.pooled().get(k)), golden.floats("mask_pooled." + level), ATOL, RTOL);
                Golden.assertClose(caseName + " mask_level_feat." + level, Rows.flat(stages.levelFeatures().get(k)),
                        golden.floats("mask_level_feat." + level), ATOL, RTOL);
            }
            RegionTokens tokens = stages.tokens();
            float[] maskTokens = golden.floats("mask_tokens");
            float[] posTokens = golden.floats("pos_tokens");
            Golden.assertClose(caseName + " mask_tokens", tokens.maskTokens(), maskTokens, ATOL, RTOL);
            Golden.assertClose(caseName + " pos_tokens", tokens.posTokens(), posTokens, ATOL, RTOL);
            for (int q = 0; q < masks.size(); q++) {
                JsonNode expected = result.get("masks").get(q).get("cells_per_level");
                for (int k = 0; k < 4; k++) {
                    assertThat(tokens.cellsPerLevel()[q][k]).as("%s mask %d cells on %s", caseName, q, FeatureMaps.NAMES.get(k))
                            .isEqualTo(expected.get(FeatureMaps.NAMES.get(k)).asInt());
                }
            }
            System.out.printf("%s (Q=%d): relative max error mask_tokens %.2e, pos_tokens %.2e%n", caseName, masks.size(),
                    Golden.relativeMaxError(tokens.maskTokens(), maskTokens), Golden.relativeMaxError(tokens.posTokens(), posTokens));
        }
    }
}
