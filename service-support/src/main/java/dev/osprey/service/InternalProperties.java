package dev.osprey.service;

import java.nio.file.Path;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How the services authenticate each other ({@code osprey.internal.*}).
 *
 * @param token                the shared secret itself (prefer {@code tokenFile}: a value in the environment or on a command line is
 *                             easier to leak)
 * @param tokenFile            a file holding the shared secret, e.g. a mounted Kubernetes or Compose Secret
 * @param allowUnauthenticated a backend without a token may listen beyond loopback (default false: startup fails instead);
 *                             only for networks where nothing else can reach the backends
 */
@ConfigurationProperties("osprey.internal")
public record InternalProperties(String token, Path tokenFile, boolean allowUnauthenticated) {

    /** The configured token; empty when none is set. */
    public Optional<InternalToken> secret() {
        return InternalToken.configured(token, tokenFile);
    }

    @Override
    public String toString() {
        return "InternalProperties[token=" + (token == null || token.isBlank() ? "unset" : "hidden") + ", tokenFile=" + tokenFile
                + ", allowUnauthenticated=" + allowUnauthenticated + "]";
    }
}
