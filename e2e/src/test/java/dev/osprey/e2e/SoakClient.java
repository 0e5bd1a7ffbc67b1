package dev.osprey.e2e;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.FinishReason;
import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.e2e.SoakOutcome.Kind;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The soak's client of the gateway: each request of the mix over its protocol (REST JSON, SSE, gRPC
 * Ask, a raw socket for an upload cut off midway), with the tenant's API key, on keep-alive
 * connections, under one client-side timeout. Every call ends in a {@link SoakOutcome}: the answer, the
 * error the server gave, the connection's failure, or {@link SoakOutcome#UNANSWERED}.
 */
final class SoakClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    /** The server's words or the client's: a code, the answer (ids by index, or an image id), a detail. */
    private record Reply(String code, String answer, String detail) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();
    private final int httpPort;
    private final ManagedChannel channel;
    private final Duration timeout;
    private final AtomicInteger streaming = new AtomicInteger();

    /** @param timeout the most a request waits for its answer; after it, it counts as unanswered */
    SoakClient(int httpPort, ManagedChannel channel, Duration timeout) {
        this.httpPort = httpPort;
        this.channel = channel;
        this.timeout = timeout;
    }

    /** Streams that have given a first piece and not ended yet. */
    int streaming() {
        return streaming.get();
    }

    SoakOutcome upload(Kind kind, SoakImage image) {
        return call(kind, image, null, () -> rest(request("/v1/images", image.tenant).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image.png)), body -> JSON.readTree(body).get("image_id").asString()));
    }

    SoakOutcome delete(SoakImage image) {
        return call(Kind.DELETE, image, null, () -> rest(request("/v1/images/" + image.id, image.tenant).DELETE(), body -> null));
    }

    SoakOutcome askJson(SoakImage image, SoakQuestion question) {
        return call(Kind.ASK_JSON, image, question, () -> rest(chat(image, question).header("Accept", "application/json"),
                SoakClient::answersOf));
    }

    /** A question answered as Server-Sent Events; with {@code abort}, the client disconnects after the first piece. */
    SoakOutcome askSse(SoakImage image, SoakQuestion question, boolean abort) {
        return call(abort ? Kind.ABORT_SSE : Kind.ASK_SSE, image, question, () -> sse(chat(image, question)
                .header("Accept", "text/event-stream").build(), abort));
    }

    /** A question over gRPC; with {@code abort}, the client cancels the call after the first piece. */
    SoakOutcome askGrpc(SoakImage image, SoakQuestion question, boolean abort) {
        return call(abort ? Kind.ABORT_GRPC : Kind.ASK_GRPC, image, question, () -> grpc(image.tenant, question.grpc(image), abort));
    }

    /** Sends an upload's headers and half its body, then closes the connection, as a client that gives up would. */
    SoakOutcome abortUpload(SoakImage image) {
        return call(Kind.ABORT_UPLOAD, image, null, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", httpPort), (int) timeout.toMillis());
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/images HTTP/1.1\r\nHost: 127.0.0.1:" + httpPort + "\r\nX-API-Key: " + image.tenant
                        + "\r\nContent-Type: image/png\r\nContent-Length: " + image.png.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(image.png, 0, image.png.length / 2);
                out.flush();
                return new Reply(SoakOutcome.ABORTED, null, null);
            } catch (IOException e) {
                return failure(e);
            }
        });
    }

    private interface Call {
        Reply run() throws InterruptedException;
    }

    private static SoakOutcome call(Kind kind, SoakImage image, SoakQuestion question, Call call) {
        long start = System.nanoTime();
        Reply reply;
        try {
            reply = call.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply = new Reply(SoakOutcome.UNANSWERED, null, "interrupted");
        }
        return new SoakOutcome(kind, image.tenant, reply.code(), start, System.nanoTime(), image, question, reply.answer(), reply.detail());
    }

    private HttpRequest.Builder request(String path, String tenant) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).header("X-API-Key", tenant).timeout(timeout);
    }

    private HttpRequest.Builder chat(SoakImage image, SoakQuestion question) {
        return request("/v1/chat", image.tenant).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(question.json(image)));
    }

    private interface Answer {
        String of(String body) throws Exception;
    }

    private Reply rest(HttpRequest.Builder request, Answer answer) throws InterruptedException {
        CompletableFuture<HttpResponse<String>> call = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> response;
        try {
            response = call.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            return new Reply(SoakOutcome.UNANSWERED, null, "no response after " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            return failure(e.getCause());
        }
        if (response.statusCode() != 200) {
            return new Reply("HTTP " + response.statusCode(), null, response.body());
        }
        try {
            return new Reply(SoakOutcome.ANSWERED, answer.of(response.body()), null);
        } catch (Exception e) {
            return new Reply("HTTP 200 with an unreadable body", null, response.body());
        }
    }

    /** The output ids of every answer of a JSON chat response, by answer index. */
    private static String answersOf(String body) {
        JsonNode response = JSON.readTree(body);
        Map<Integer, String> answers = new TreeMap<>();
        if (response.has("answers")) {
            for (JsonNode answer : response.get("answers")) {
                answers.put(answer.get("index").asInt(), ids(answer.get("output_ids")));
            }
        } else {
            answers.put(0, ids(response.get("output_ids")));
        }
        return canonical(answers);
    }

    private static String ids(JsonNode array) {
        return ids(array.valueStream().map(JsonNode::asInt).toList());
    }

    private static String ids(List<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]"));
    }

    private static String canonical(Map<Integer, String> answers) {
        return answers.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(" "));
    }

    private Reply sse(HttpRequest request, boolean abort) throws InterruptedException {
        SseEvents events = new SseEvents(abort);
        CompletableFuture<HttpResponse<Void>> call = http.sendAsync(request, info -> info.statusCode() == 200
                ? HttpResponse.BodySubscribers.fromLineSubscriber(events, e -> null, StandardCharsets.UTF_8, null)
                : HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8), body -> {
                    events.finish(new Reply("HTTP " + info.statusCode(), null, body));
                    return null;
                }));
        call.whenComplete((response, failure) -> {
            if (failure != null) {
                events.finish(failure(failure));
            }
        });
        try {
            return events.reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            events.disconnect();
            call.cancel(true);
            return events.finish(new Reply(SoakOutcome.UNANSWERED, null, "stream not ended after " + timeout.toSeconds() + " s"));
        } catch (ExecutionException e) {
            return failure(e.getCause());
        }
    }

    /**
     * What the two streaming protocols share: the answers by index as they finish, the first piece (the
     * stream is under way; an aborting client disconnects then), and one reply, whatever ends first.
     */
    private abstract class StreamedAnswer {

        final CompletableFuture<Reply> reply = new CompletableFuture<>();
        private final String protocol;
        private final boolean abort;
        private final Map<Integer, String> answers = new TreeMap<>();
        private boolean started;

        StreamedAnswer(String protocol, boolean abort) {
            this.protocol = protocol;
            this.abort = abort;
        }

        /** Ends the call from the client's side. */
        abstract void disconnect();

        void piece() {
            if (!started) {
                started = true;
                streaming.incrementAndGet();
            }
            if (abort) {
                finish(new Reply(SoakOutcome.ABORTED, null, null));
                disconnect();
            }
        }

        void finished(int index, boolean cancelled, List<Integer> outputIds) {
            answers.put(index, cancelled ? "cancelled" : ids(outputIds));
        }

        void ended() {
            if (answers.containsValue("cancelled")) {
                finish(new Reply(protocol + " finish_reason cancelled", null, canonical(answers)));
            }
            finish(answers.isEmpty() ? new Reply(protocol + " ended without an answer", null, null)
                    : new Reply(SoakOutcome.ANSWERED, canonical(answers), null));
        }

        /** Completes the reply once (later calls change nothing) and returns the reply that stands. */
        Reply finish(Reply outcome) {
            if (reply.complete(outcome) && started) {
                streaming.decrementAndGet();
            }
            return reply.join();
        }
    }

    /** Reads an SSE answer line by line: pieces, a done event per answer, or an error event. */
    private final class SseEvents extends StreamedAnswer implements Flow.Subscriber<String> {

        private volatile Flow.Subscription subscription;
        private String event = "";

        SseEvents(boolean abort) {
            super("SSE", abort);
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (line.startsWith("event:")) {
                event = line.substring("event:".length()).strip();
                return;
            }
            if (!line.startsWith("data:")) {
                return;
            }
            JsonNode data;
            try {
                data = JSON.readTree(line.substring("data:".length()));
            } catch (RuntimeException e) {
                finish(new Reply("SSE unreadable event", null, line));
                return;
            }
            switch (event) {
                case "piece" -> piece();
                case "done" -> finished(data.get("index").asInt(), "cancelled".equals(data.get("finish_reason").asString()),
                        data.get("output_ids").valueStream().map(JsonNode::asInt).toList());
                case "error" -> finish(new Reply("SSE " + data.get("error").get("code").asString(), null, data.toString()));
                default -> finish(new Reply("SSE event " + event, null, data.toString()));
            }
        }

        @Override
        public void onError(Throwable failure) {
            finish(failure(failure));
        }

        @Override
        public void onComplete() {
            ended();
        }

        @Override
        void disconnect() {
            Flow.Subscription current = subscription;
            if (current != null) {
                current.cancel();
            }
        }
    }

    private Reply grpc(String tenant, AskRequest ask, boolean abort) throws InterruptedException {
        Metadata key = new Metadata();
        key.put(API_KEY, tenant);
        GrpcAnswer answer = new GrpcAnswer(abort);
        RegionServiceGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(key))
                .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS).ask(ask, answer);
        try {
            // The call's own deadline ends it; this bound only guards against a client that never reports.
            return answer.reply.get(timeout.toNanos() + TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            answer.disconnect();
            return answer.finish(new Reply(SoakOutcome.UNANSWERED, null, "the gRPC call did not end"));
        } catch (ExecutionException e) {
            return failure(e.getCause());
        }
    }

    /** Collects a gRPC Ask's events: finished events by answer index, or the call's status. */
    private final class GrpcAnswer extends StreamedAnswer implements ClientResponseObserver<AskRequest, AnswerEvent> {

        private final long start = System.nanoTime();
        private volatile ClientCallStreamObserver<AskRequest> call;

        GrpcAnswer(boolean abort) {
            super("gRPC", abort);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<AskRequest> call) {
            this.call = call;
        }

        @Override
        public void onNext(AnswerEvent event) {
            if (event.hasPiece()) {
                piece();
            } else if (event.hasFinished()) {
                finished(event.getAnswerIndex(), event.getFinished().getReason() == FinishReason.FINISH_REASON_CANCELLED,
                        event.getFinished().getOutputIdsList());
            }
        }

        @Override
        public void onError(Throwable failure) {
            Status status = Status.fromThrowable(failure);
            boolean ownDeadline = status.getCode() == Status.Code.DEADLINE_EXCEEDED && System.nanoTime() - start >= timeout.toNanos();
            finish(ownDeadline ? new Reply(SoakOutcome.UNANSWERED, null, "deadline of " + timeout.toSeconds() + " s passed")
                    : new Reply("gRPC " + status.getCode(), null, status.getDescription()));
        }

        @Override
        public void onCompleted() {
            ended();
        }

        @Override
        void disconnect() {
            ClientCallStreamObserver<AskRequest> current = call;
            if (current != null) {
                current.cancel("the soak client disconnects mid-stream", null);
            }
        }
    }

    private static Reply failure(Throwable failure) {
        return switch (failure) {
            case CompletionException e when e.getCause() != null -> failure(e.getCause());
            case HttpTimeoutException e -> new Reply(SoakOutcome.UNANSWERED, null, e.toString());
            case ConnectException e -> new Reply(SoakOutcome.REFUSED, null, e.toString());
            case IOException e -> new Reply(SoakOutcome.DROPPED, null, e.toString());
            default -> new Reply("client failure", null, failure.toString());
        };
    }
}
