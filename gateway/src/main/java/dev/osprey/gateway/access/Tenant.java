package dev.osprey.gateway.access;

import dev.osprey.model.pipeline.ImageId;

/**
 * Whose images a request sees. With API keys configured each key belongs to a tenant, and an image
 * uploaded by one tenant is unknown to every other; without keys all callers share one space.
 *
 * @param name the tenant's name (from {@code name=KEY}, or derived from a plain key's hash); empty
 *             for the shared space
 */
public record Tenant(String name) {

    /** Everyone, when no API keys are configured: image ids are the images' own. */
    public static final Tenant SHARED = new Tenant("");

    /** The scope the encoder gives this tenant's uploads (see {@link ImageId#scoped}). */
    public String scope() {
        return name;
    }

    /** The id the backends know this tenant's image {@code publicId} by. */
    public String internalId(String publicId) {
        return ImageId.scoped(name, publicId);
    }
}
