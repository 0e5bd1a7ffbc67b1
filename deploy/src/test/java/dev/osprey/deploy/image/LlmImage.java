package dev.osprey.deploy.image;

import dev.osprey.deploy.Repo;
import java.nio.file.Path;

/**
 * llm-service's image, which every verify builds (llm-service/target/jib-image.tar), unpacked once per
 * test JVM: it carries every native library the services load (ONNX Runtime, DJL tokenizers, Netty).
 */
final class LlmImage {

    static final String SERVICE = "llm-service";
    private static ImageTar image;
    private static Path rootfs;

    private LlmImage() {
    }

    static synchronized ImageTar image() {
        if (image == null) {
            Path tar = Repo.root().resolve(SERVICE + "/target/jib-image.tar");
            if (!tar.toFile().isFile()) {
                throw new AssertionError(tar + " is missing: llm-service's verify phase builds it (jib:buildTar); build with"
                        + " ./mvnw verify -pl deploy -am");
            }
            image = new ImageTar(tar, Repo.work("llm-image"));
        }
        return image;
    }

    static synchronized Path rootfs() {
        if (rootfs == null) {
            rootfs = image().unpack(Repo.work("llm-rootfs"));
        }
        return rootfs;
    }
}
