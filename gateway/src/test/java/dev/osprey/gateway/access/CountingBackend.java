package dev.osprey.gateway.access;

import io.grpc.Grpc;
import io.grpc.HandlerRegistry;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server on a loopback port that stands in for every backend: it counts each call it is
 * sent, whatever the method, and answers it UNAVAILABLE. A request that reached a gateway handler
 * shows up here.
 */
final class CountingBackend implements AutoCloseable {

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final AtomicInteger calls = new AtomicInteger();
    private final Server server;

    CountingBackend() throws IOException {
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).fallbackHandlerRegistry(new HandlerRegistry() {
            @Override
            public ServerMethodDefinition<?, ?> lookupMethod(String method, String authority) {
                MethodDescriptor<byte[], byte[]> descriptor = MethodDescriptor.<byte[], byte[]>newBuilder()
                        .setType(MethodDescriptor.MethodType.UNKNOWN).setFullMethodName(method)
                        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
                return ServerMethodDefinition.create(descriptor, (call, headers) -> {
                    calls.incrementAndGet();
                    call.close(Status.UNAVAILABLE.withDescription("a counting stand-in"), new Metadata());
                    return new ServerCall.Listener<>() { };
                });
            }
        }).build().start();
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    int calls() {
        return calls.get();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
}
