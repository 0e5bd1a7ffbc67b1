package dev.osprey.encoder;

import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.encoder.features.StoreLimits;
import dev.osprey.encoder.features.TinyFeatureStore;
import dev.osprey.encoder.sam.SegmentAnything;
import dev.osprey.encoder.uploads.UploadStore;
import dev.osprey.encoder.vision.MicroBatcher;
import dev.osprey.encoder.vision.VisionBackend;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.SegmenterGrpc;
import dev.osprey.service.EncoderChannels;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The Encoder gRPC service over the tiny bundle and an upload store, and beside it the Segmenter over
 * what {@code sam} makes of the feature store, built without Spring and served in process.
 */
final class InProcessEncoder implements AutoCloseable {

    final MicroBatcher batcher;
    final FeatureStore store;
    final SegmentAnything sam;
    final MeterRegistry meters = new SimpleMeterRegistry();
    private final TinyFeatureStore features;
    private final Server server;
    private final ManagedChannel channel;

    InProcessEncoder(VisionBackend backend, UploadStore uploads, StoreLimits limits, LongSupplier clock) {
        this(backend, uploads, limits, clock, store -> SegmentAnything.absent("the tiny bundle has no Segment Anything model"));
    }

    InProcessEncoder(VisionBackend backend, UploadStore uploads, StoreLimits limits, LongSupplier clock,
            Function<FeatureStore, SegmentAnything> sam) {
        this.features = TinyFeatureStore.open(backend, uploads, limits, clock);
        this.batcher = features.batcher();
        this.store = features.store();
        this.sam = sam.apply(store);
        String name = InProcessServerBuilder.generateName();
        try {
            this.server = InProcessServerBuilder.forName(name).addService(EncoderServices.grpc(store))
                    .addService(EncoderServices.segmenter(this.sam, meters)).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.channel = InProcessChannelBuilder.forName(name).maxInboundMessageSize(EncoderChannels.MAX_MESSAGE_BYTES).build();
    }

    EncoderGrpc.EncoderBlockingStub stub() {
        return EncoderGrpc.newBlockingStub(channel);
    }

    SegmenterGrpc.SegmenterBlockingStub segmenter() {
        return SegmenterGrpc.newBlockingStub(channel);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdownNow();
        features.close();
        sam.close();
    }
}
