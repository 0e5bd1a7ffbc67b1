package dev.osprey.deploy.kustomize;

/**
 * A container image reference, {@code name[:tag][@digest]}, where the name may hold a registry with a
 * port ({@code registry:5000/repo}).
 */
record ImageRef(String name, String tag, String digest) {

    static ImageRef parse(String reference) {
        String digest = null;
        int at = reference.indexOf('@');
        String rest = reference;
        if (at >= 0) {
            digest = reference.substring(at + 1);
            rest = reference.substring(0, at);
        }
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            return new ImageRef(rest.substring(0, colon), rest.substring(colon + 1), digest);
        }
        return new ImageRef(rest, null, digest);
    }

    /** This reference with what is non-null replaced; a digest drops the tag, as kustomize does. */
    ImageRef with(String newName, String newTag, String newDigest) {
        String n = newName != null ? newName : name;
        if (newDigest != null) {
            return new ImageRef(n, null, newDigest);
        }
        return new ImageRef(n, newTag != null ? newTag : tag, newTag != null ? null : digest);
    }

    @Override
    public String toString() {
        return name + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
