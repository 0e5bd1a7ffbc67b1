package dev.osprey.model.sam.auto;

import dev.osprey.model.GoldenSam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** An automatic case of the SAM golden set ({@code automatic/<id>.json}): its parameters, crops and annotations. */
record AutomaticGoldenCase(String id, JsonNode json) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Every automatic case in the golden folder. */
    static List<AutomaticGoldenCase> all() {
        Path dir = GoldenSam.file("automatic");
        List<AutomaticGoldenCase> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                String name = f.getFileName().toString();
                cases.add(new AutomaticGoldenCase(name.substring(0, name.length() - ".json".length()), JSON.readTree(f.toFile())));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + dir, e);
        }
        return cases;
    }

    /** The case's parameters as the JSON object the reference was called with. */
    String paramsJson() {
        return json.get("params").toString();
    }

    AutomaticParams params() {
        return AutomaticParams.fromJson(paramsJson());
    }

    /** The image file the case segments. */
    Path image() {
        return GoldenSam.file("automatic").resolve(json.get("image_file").asString()).normalize();
    }

    JsonNode crops() {
        return json.get("crops");
    }

    JsonNode annotations() {
        return json.get("annotations");
    }

    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (int) array.get(i).asDouble();
        }
        return values;
    }

    @Override
    public String toString() {
        return id;
    }
}
