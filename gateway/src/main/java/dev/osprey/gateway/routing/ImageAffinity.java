package dev.osprey.gateway.routing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Which replica owns an image: rendezvous (highest random weight) hashing of the image id over the
 * replicas' addresses. Every gateway replica picks the same owner without coordination, and when a
 * replica joins or leaves only the images it owned (or now owns) move, so the encoder's feature cache
 * and the llm-service's prefix cache keep hitting as the services scale.
 */
public final class ImageAffinity {

    private ImageAffinity() {
    }

    /** The owner of {@code imageId} among {@code replicas} (host:port each, at least one). */
    public static String owner(String imageId, List<String> replicas) {
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("no replicas to choose from");
        }
        String best = null;
        long bestScore = 0;
        for (String replica : replicas) {
            long score = score(replica, imageId);
            // Ties (astronomically rare) go to the smaller address, so every gateway agrees.
            if (best == null || Long.compareUnsigned(score, bestScore) > 0
                    || (score == bestScore && replica.compareTo(best) < 0)) {
                best = replica;
                bestScore = score;
            }
        }
        return best;
    }

    private static long score(String replica, String imageId) {
        MessageDigest sha = sha256();
        sha.update(replica.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        byte[] digest = sha.digest(imageId.getBytes(StandardCharsets.UTF_8));
        long score = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            score = (score << 8) | (digest[i] & 0xff);
        }
        return score;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
