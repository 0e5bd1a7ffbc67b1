package dev.osprey.encoder;

import dev.osprey.encoder.vision.VisionBackend;
import dev.osprey.model.vision.VisionFeatures;
import java.util.List;

/** A backend that passes everything to another; tests override one method to slow it down or make it fail. */
class DelegatingBackend implements VisionBackend {

    private final VisionBackend inner;

    DelegatingBackend(VisionBackend inner) {
        this.inner = inner;
    }

    @Override
    public List<VisionFeatures> encode(float[] pixelValues) {
        return inner.encode(pixelValues);
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public boolean ready() {
        return inner.ready();
    }

    /** The inner backend belongs to the test. */
    @Override
    public void close() {
    }
}
