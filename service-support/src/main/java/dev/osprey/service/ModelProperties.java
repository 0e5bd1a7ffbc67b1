package dev.osprey.service;

import dev.osprey.model.bundle.ModelBundle;
import dev.osprey.model.error.OspreyException;
import dev.osprey.model.error.Reason;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where a service finds its model: {@code osprey.model.bundle} (a folder written by
 * {@code osprey convert}) and {@code osprey.model.threads} (intra-op threads per ONNX Runtime
 * session; 0 = one per core).
 */
@ConfigurationProperties("osprey.model")
public record ModelProperties(Path bundle, int threads) {

    /** Opens the bundle; a missing setting or a wrong folder fails with what to do about it. */
    public ModelBundle open() {
        if (bundle == null) {
            throw new OspreyException(Reason.BAD_BUNDLE, "osprey.model.bundle is not set: pass --osprey.model.bundle=DIR with a bundle"
                    + " written by `osprey convert` (or `osprey tiny` + `osprey convert` for a test bundle)");
        }
        try {
            return ModelBundle.open(bundle);
        } catch (OspreyException e) {
            throw new OspreyException(Reason.BAD_BUNDLE, "osprey.model.bundle=" + bundle + ": " + e.getMessage(), e);
        }
    }
}
