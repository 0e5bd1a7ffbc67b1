package dev.osprey.deploy.compose;

import dev.osprey.deploy.Tree;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A Compose file as Compose reads it: YAML with anchors and merge keys, Compose's {@code !reset} tag, and
 * {@code ${VAR:-default}} / {@code ${VAR:?message}} interpolation with no variables set (so a default
 * stands in, and a required variable reads as {@code $VAR}).
 */
public record ComposeFile(Map<String, Object> content) {

    /** What {@code !reset} stands for: the key is dropped from the merged configuration. */
    public enum Reset { RESET }

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?}");

    @SuppressWarnings("unchecked")
    public static ComposeFile read(Path file) {
        try (Reader in = Files.newBufferedReader(file)) {
            return new ComposeFile((Map<String, Object>) new Yaml(new ComposeConstructor()).load(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Map<String, Object> services() {
        return Tree.map(content, "services");
    }

    public Map<String, Object> service(String name) {
        Map<String, Object> service = Tree.map(content, "services", name);
        if (service.isEmpty()) {
            throw new AssertionError("no service " + name);
        }
        return service;
    }

    /** A string setting of a service, interpolated. */
    public String string(String service, String... path) {
        Object value = Tree.at(service(service), path);
        return value == null ? null : interpolate(value.toString());
    }

    /** A list setting of a service (strings), interpolated. */
    public List<String> strings(String service, String... path) {
        return Tree.list(service(service), path).stream().map(v -> interpolate(v.toString())).toList();
    }

    static String interpolate(String text) {
        Matcher matcher = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String replacement = "-".equals(matcher.group(2)) ? matcher.group(3) : "$" + matcher.group(1);
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        return matcher.appendTail(out).toString();
    }

    private static final class ComposeConstructor extends SafeConstructor {

        ComposeConstructor() {
            super(new LoaderOptions());
            yamlConstructors.put(new Tag("!reset"), new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    return Reset.RESET;
                }
            });
        }
    }
}
