package dev.osprey.deploy.image;

import dev.osprey.deploy.Tree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * A container image saved as a {@code docker save} tarball (what Jib's buildTar and skopeo's
 * docker-archive write): its manifest, its configuration and its layers, unpacked with the system's tar.
 */
public final class ImageTar {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path dir;
    private final Map<String, Object> manifest;
    private final Map<String, Object> config;

    /** Unpacks {@code tar} (not its layers) into {@code dir}, which is emptied first. */
    public ImageTar(Path tar, Path dir) {
        if (!Files.isRegularFile(tar)) {
            throw new AssertionError(tar + " does not exist");
        }
        this.dir = dir;
        deleteTree(dir);
        tar(List.of("-xf", tar.toString(), "-C", mkdirs(dir).toString()));
        List<Map<String, Object>> manifests = read(dir.resolve("manifest.json"));
        if (manifests.size() != 1) {
            throw new AssertionError(tar + " holds " + manifests.size() + " images");
        }
        this.manifest = manifests.get(0);
        this.config = read(dir.resolve(manifest.get("Config").toString()));
    }

    /** The image configuration's {@code config} part: Entrypoint, Env, User, ExposedPorts, Volumes, ... */
    public Map<String, Object> runConfig() {
        return Tree.map(config, "config");
    }

    /** The layers' uncompressed digests, base first. */
    public List<String> diffIds() {
        return Tree.list(config, "rootfs", "diff_ids").stream().map(Object::toString).toList();
    }

    /** One file of a layer: its permissions as ls shows them, numeric owner "uid/gid", and path. */
    public record Entry(String mode, String owner, String path) {
    }

    /** What each layer holds (paths without "./" or "/" in front), base first. */
    public List<List<Entry>> layers() {
        List<List<Entry>> layers = new ArrayList<>();
        for (Object layer : Tree.list(manifest, "Layers")) {
            String listing = tar(List.of("--numeric-owner", "-tvf", dir.resolve(layer.toString()).toString()));
            layers.add(listing.lines().map(ImageTar::entry).filter(e -> !e.path().isEmpty()).toList());
        }
        return layers;
    }

    private static Entry entry(String line) {
        // -rw-r--r-- 0/0   1234 2026-01-01 00:00 ./path/to/file [-> target]
        String[] fields = line.split("\\s+", 6);
        String path = fields[5].replaceFirst(" -> .*$", "").replaceFirst(" link to .*$", "");
        return new Entry(fields[0], fields[1], path.replaceFirst("^\\./", "").replaceFirst("^/", ""));
    }

    /** Every layer applied in order into {@code rootfs} (emptied first; owners kept when run as root). */
    public Path unpack(Path rootfs) {
        deleteTree(rootfs);
        mkdirs(rootfs);
        for (Object layer : Tree.list(manifest, "Layers")) {
            tar(List.of("--numeric-owner", "-xf", dir.resolve(layer.toString()).toString(), "-C", rootfs.toString()));
        }
        return rootfs;
    }

    private static <T> T read(Path json) {
        try {
            return JSON.readValue(Files.readString(json), new TypeReference<T>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tar(List<String> args) {
        List<String> command = new ArrayList<>(List.of("tar"));
        command.addAll(args);
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed");
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static Path mkdirs(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
