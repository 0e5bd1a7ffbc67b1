package dev.osprey.model.sam.auto;

/** How an automatic mask's {@code segmentation} is written: the reference's three {@code output_mode}s. */
public enum OutputMode {
    /** The mask as {@code height} rows of {@code width} booleans (the reference's default). */
    BINARY_MASK("binary_mask"),
    /** {@code {"size": [h, w], "counts": [run lengths]}}, column-major runs starting outside. */
    UNCOMPRESSED_RLE("uncompressed_rle"),
    /** {@code {"size": [h, w], "counts": "<string>"}}, pycocotools' compressed RLE. */
    COCO_RLE("coco_rle");

    private final String jsonName;

    OutputMode(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name in parameter files, as the reference spells it. */
    public String jsonName() {
        return jsonName;
    }

    /** The mode named {@code name}, or null when none is. */
    static OutputMode byJsonName(String name) {
        for (OutputMode mode : values()) {
            if (mode.jsonName.equals(name)) {
                return mode;
            }
        }
        return null;
    }
}
