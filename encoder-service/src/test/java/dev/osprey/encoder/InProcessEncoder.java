package dev.osprey.encoder;

import dev.osprey.encoder.features.FeatureStore;
import dev.osprey.encoder.features.ImagePreparation;
import dev.osprey.encoder.features.StoreLimits;
import dev.osprey.encoder.uploads.UploadStore;
import dev.osprey.encoder.vision.BatchListener;
import dev.osprey.encoder.vision.MicroBatcher;
import dev.osprey.encoder.vision.VisionBackend;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.image.ImageDecoder;
import dev.osprey.model.image.ImagePreprocessor;
import dev.osprey.service.EncoderChannels;
import dev.osprey.service.StageSpans;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.function.LongSupplier;

/** The Encoder gRPC service over the tiny bundle and an upload store, built without Spring and served in process. */
final class InProcessEncoder implements AutoCloseable {

    final MicroBatcher batcher;
    final FeatureStore store;
    private final Server server;
    private final ManagedChannel channel;

    InProcessEncoder(VisionBackend backend, UploadStore uploads, StoreLimits limits, LongSupplier clock) {
        var image = TinyBundle.open().manifest().image();
        this.batcher = new MicroBatcher(backend, 3 * image.size() * image.size(), 4, Duration.ofMillis(5), BatchListener.NONE);
        this.store = new FeatureStore(new ImagePreparation(new ImageDecoder(), new ImagePreprocessor(image), 2, StageSpans.OFF), batcher, uploads,
                limits, clock, StageSpans.OFF);
        String name = InProcessServerBuilder.generateName();
        try {
            this.server = InProcessServerBuilder.forName(name).addService(EncoderServices.grpc(store)).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.channel = InProcessChannelBuilder.forName(name).maxInboundMessageSize(EncoderChannels.MAX_MESSAGE_BYTES).build();
    }

    EncoderGrpc.EncoderBlockingStub stub() {
        return EncoderGrpc.newBlockingStub(channel);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdownNow();
        batcher.close();
    }
}
