package dev.osprey.encoder.vision;

import dev.osprey.model.vision.OnnxVisionTower;
import dev.osprey.model.vision.VisionFeatures;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The vision tower in this process with ONNX Runtime: one {@link OnnxVisionTower} run per batch. */
public final class EmbeddedVisionBackend implements VisionBackend {

    private final OnnxVisionTower tower;
    private final AtomicLong runs = new AtomicLong();

    /** Takes ownership of {@code tower}. */
    public EmbeddedVisionBackend(OnnxVisionTower tower) {
        this.tower = tower;
    }

    @Override
    public List<VisionFeatures> encode(float[] pixelValues) {
        runs.incrementAndGet();
        return tower.encode(pixelValues);
    }

    /** Model runs so far: a batch of any size is one. */
    public long runs() {
        return runs.get();
    }

    @Override
    public String name() {
        return "embedded";
    }

    @Override
    public boolean ready() {
        return true;
    }

    @Override
    public void close() {
        tower.close();
    }
}
