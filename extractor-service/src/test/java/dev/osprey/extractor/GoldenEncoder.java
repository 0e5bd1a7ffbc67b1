package dev.osprey.extractor;

import dev.osprey.model.Golden;
import dev.osprey.model.checkpoint.SafetensorsFile;
import dev.osprey.model.region.FeatureMaps;
import java.io.IOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The golden res2..res5 of every golden case, served under the case's name: the extractor is then
 * fed the reference's own inputs, as the acceptance metric prescribes.
 */
final class GoldenEncoder {

    private GoldenEncoder() {
    }

    static FeatureServer start() throws IOException {
        FeatureServer server = new FeatureServer();
        for (String caseName : Golden.CASES) {
            JsonNode size = JsonMapper.builder().build().readTree(Golden.file("reference/" + caseName + "/result.json").toFile())
                    .get("image_size_wh");
            try (SafetensorsFile golden = Golden.tensors(caseName)) {
                server.put(caseName, size.get(0).asInt(), size.get(1).asInt(), FeatureMaps.read(golden));
            }
        }
        return server;
    }
}
