package dev.osprey.service;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The secret the Osprey services share to call each other's internal RPCs: callers attach it to every
 * call ({@link #callCredentials}), backends check it ({@link InternalTokenInterceptor}). It never
 * appears in logs or messages: {@link #toString} hides it.
 */
public final class InternalToken {

    /** The metadata key that carries the token. */
    public static final Metadata.Key<String> HEADER = Metadata.Key.of("osprey-internal-token", Metadata.ASCII_STRING_MARSHALLER);

    /** Shorter secrets are refused: a placeholder or a word is guessable. */
    public static final int MIN_LENGTH = 16;

    private static final String HOW = "generate one with `openssl rand -hex 32` (or `head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'`)";

    private final byte[] secret;

    private InternalToken(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** A token from its value; surrounding white space (a file's final newline) is dropped. */
    public static InternalToken of(String value) {
        String secret = value.strip();
        if (secret.length() < MIN_LENGTH || !secret.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new InternalAccessException("the internal token must be at least " + MIN_LENGTH
                    + " printable ASCII characters without spaces: " + HOW);
        }
        return new InternalToken(secret);
    }

    /**
     * The token configured as {@code osprey.internal.token} or in the file {@code osprey.internal.token-file};
     * empty when neither is set.
     */
    public static Optional<InternalToken> configured(String value, Path file) {
        boolean hasValue = value != null && !value.isBlank();
        if (hasValue && file != null) {
            throw new InternalAccessException("both osprey.internal.token and osprey.internal.token-file are set: set one of them");
        }
        if (hasValue) {
            return Optional.of(of(value));
        }
        if (file == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(of(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new InternalAccessException("osprey.internal.token-file=" + file + " cannot be read (" + e.getClass().getSimpleName()
                    + "): mount the Secret there, or " + HOW + " into that file", e);
        }
    }

    /** Whether {@code presented} is this token, in time that does not depend on where they differ. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
    }

    /** Attaches the token to each call of a channel or stub. */
    public CallCredentials callCredentials() {
        String value = new String(secret, StandardCharsets.UTF_8);
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo request, Executor executor, MetadataApplier applier) {
                Metadata headers = new Metadata();
                headers.put(HEADER, value);
                applier.apply(headers);
            }
        };
    }

    @Override
    public String toString() {
        return "InternalToken[hidden]";
    }
}
