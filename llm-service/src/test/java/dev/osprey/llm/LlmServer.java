package dev.osprey.llm;

import dev.osprey.internal.v1.LlmGrpc;
import dev.osprey.model.TinyBundle;
import dev.osprey.model.decode.PrefixCache;
import dev.osprey.model.pipeline.ChatModel;
import dev.osprey.model.pipeline.RegionChat;
import dev.osprey.service.EncoderChannels;
import dev.osprey.service.EncoderClient;
import dev.osprey.service.GrpcErrorHandler;
import dev.osprey.service.Replicas;
import dev.osprey.service.StageSpans;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Llm service without Spring, served in-process, over the golden tiny bundle (one intra-op
 * thread, calls decoding in a shared batch) and a {@link GoldenEncoder} on a loopback port. Records the decoder's run count at the
 * moment the server sees a call end early (cancelled, deadline passed), to prove generation stops.
 */
final class LlmServer implements AutoCloseable {

    final GoldenEncoder encoder;
    /** The embedded backend's chat; null when the service runs over another {@link ChatModel}. */
    final RegionChat chat;
    final ChatModel model;
    final GenerationQueue queue;
    final WarmUps warmUps;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final AtomicLong runsWhenCallEnded = new AtomicLong(-1);
    /** A configured encoder replica where nothing listens. */
    final String downEncoderAddress;
    private final Server encoderServer;
    private final EncoderChannels channels;
    private final LlmGrpcService service;
    private final Server server;
    private final ManagedChannel channel;

    /** Calls decode in a shared batch of up to {@value #MAX_BATCH} sequences, as they do by default in the service. */
    static final int MAX_BATCH = 4;

    LlmServer(int workers, int queueCapacity, GoldenImage... images) {
        this(workers, queueCapacity, 16, MAX_BATCH, images);
    }

    LlmServer(int workers, int queueCapacity, int warmUpQueueSize, GoldenImage... images) {
        this(workers, queueCapacity, warmUpQueueSize, MAX_BATCH, images);
    }

    LlmServer(int workers, int queueCapacity, int warmUpQueueSize, int maxBatch, GoldenImage... images) {
        this(new RegionChat(TinyBundle.open(), 1, new PrefixCache(256L << 20), null, new RegionChat.Sharing(maxBatch, 2)), workers,
                queueCapacity, warmUpQueueSize, images);
    }

    /** The service over {@code model}, which it closes. */
    LlmServer(ChatModel model, int workers, int queueCapacity, int warmUpQueueSize, GoldenImage... images) {
        this.model = model;
        this.chat = model instanceof RegionChat local ? local : null;
        try {
            encoder = new GoldenEncoder(images);
            encoderServer = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(encoder).build().start();
            try (ServerSocket socket = new ServerSocket(0)) {
                downEncoderAddress = "127.0.0.1:" + socket.getLocalPort();
            }
            channels = new EncoderChannels(encoderAddress(), Replicas.parse("encoder-service", downEncoderAddress, 0), Optional.empty());
            queue = new GenerationQueue(workers, queueCapacity, Duration.ofSeconds(30));
            warmUps = new WarmUps(warmUpQueueSize, () -> queue.running() > 0 || queue.waiting() > 0);
            service = new LlmGrpcService(model, new EncoderClient(channels, Duration.ofSeconds(30)), queue, warmUps,
                    new LlmMetrics(registry, model, queue, warmUps), 256, StageSpans.OFF);
            String name = InProcessServerBuilder.generateName();
            server = InProcessServerBuilder.forName(name)
                    .addService(ServerInterceptors.intercept(GrpcErrorHandler.handling(service), new CallEndProbe())).build().start();
            channel = InProcessChannelBuilder.forName(name).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    LlmGrpc.LlmBlockingStub stub() {
        return LlmGrpc.newBlockingStub(channel);
    }

    /** The encoder's address, as a request's encoder_address names it. */
    String encoderAddress() {
        return "127.0.0.1:" + encoderServer.getPort();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdownNow();
        service.close();
        warmUps.close();
        model.close();
        channels.close();
        encoderServer.shutdownNow();
    }

    /** Notes the decoder runs when a call's context is cancelled (client cancel or deadline). */
    private final class CallEndProbe implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            Context.current().addListener(ended -> runsWhenCallEnded.set(chat == null ? -1 : chat.decoderRuns()), Runnable::run);
            return next.startCall(call, headers);
        }
    }
}
