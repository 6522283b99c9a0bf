package org.elohim.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.elohim.node.reach.Requester;
import org.elohim.node.runtime.NettyResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP server on a real socket: routing, JSON errors, limits, WebSocket upgrade and control frames. */
class HttpServerTest {
    static final int MAX_BODY = 1024;
    static final int MAX_FRAME = 4096;

    NettyResources netty;
    HttpServer server;
    HttpClient client;
    final List<String> handshakes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        netty = NettyResources.create(2);
        List<Route> routes = List.of(
                Route.get("/hello/{name}", x -> HttpReply.json(Map.of("hello", x.pathParam("name"),
                        "who", x.requester().getClass().getSimpleName()))),
                Route.post("/echo", x -> HttpReply.text(200, "text/plain", x.bodyText())),
                Route.get("/boom", x -> {
                    throw new IllegalStateException("secret detail");
                }),
                Route.get("/teapot", x -> {
                    throw new HttpError(418, "short and stout");
                }));
        WebSocketEndpoint echo = new WebSocketEndpoint() {
            @Override
            public String path() {
                return "/ws-echo";
            }

            @Override
            public int maxFrameBytes() {
                return MAX_FRAME;
            }

            @Override
            public ChannelHandler newSession(UpgradeRequest request) throws UpgradeRefused {
                if (request.queryParameters().containsKey("refuse")) throw new UpgradeRefused(401, "not you");
                return new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
                        ctx.writeAndFlush(new TextWebSocketFrame("echo:" + frame.text()));
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete h) handshakes.add(h.requestUri());
                    }
                };
            }
        };
        RequesterResolver resolver = (m, p, h) -> {
            String who = h.get("x-test-device");
            if (who == null) return Requester.ANONYMOUS;
            if (who.equals("bad")) throw new HttpError(401, "device authentication failed");
            return new Requester.Device(who, "alice");
        };
        server = HttpServer.start("127.0.0.1", 0, MAX_BODY, netty.boss(), netty.workers(), netty.serverChannel(), routes,
                List.of(echo), resolver);
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        server.close();
        netty.close();
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) b.headers(headers);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    @Test
    void routesWithPathParametersAndClassifiesTheCaller() throws Exception {
        HttpResponse<String> r = get("/hello/w%C3%B6rld");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue(HttpReply.JSON_TYPE);
        assertThat(r.body()).contains("\"hello\":\"w\u00f6rld\"").contains("\"who\":\"Anonymous\"");
        assertThat(get("/hello/x", "x-test-device", "d1").body()).contains("\"who\":\"Device\"");
        HttpResponse<String> bad = get("/hello/x", "x-test-device", "bad");
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(bad.body()).isEqualTo("{\"error\":\"device authentication failed\"}");
    }

    @Test
    void everyErrorIsJson() throws Exception {
        HttpResponse<String> missing = get("/nope");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"error\":\"no such endpoint: /nope\"}");

        HttpResponse<String> wrong = client.send(HttpRequest.newBuilder(uri("/hello/x"))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(405);
        assertThat(wrong.body()).startsWith("{\"error\":\"method DELETE not allowed");

        HttpResponse<String> boom = get("/boom");
        assertThat(boom.statusCode()).isEqualTo(500);
        assertThat(boom.body()).isEqualTo("{\"error\":\"internal error\"}").doesNotContain("secret");

        assertThat(get("/teapot").statusCode()).isEqualTo(418);
        assertThat(get("/ws-echo").statusCode()).isEqualTo(404); // a plain GET on a WS path is not a route
    }

    @Test
    void bodiesUpToTheLimitPassLargerOnesGet413() throws Exception {
        String ok = "x".repeat(MAX_BODY);
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/echo"))
                .POST(HttpRequest.BodyPublishers.ofString(ok)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(ok);
        HttpResponse<String> big = client.send(HttpRequest.newBuilder(uri("/echo"))
                .POST(HttpRequest.BodyPublishers.ofString(ok + "y")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(big.body()).contains("\"error\"");
    }

    @Test
    void malformedRequestsGet400AndTheServerKeepsServing() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GARBAGE\u0001 / HTTP/9.9\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer = new String(readAll(s.getInputStream()), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 400").contains("{\"error\":");
        }
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            String huge = "GET /" + "a".repeat(HttpServer.MAX_INITIAL_LINE + 10) + " HTTP/1.1\r\nHost: x\r\n\r\n";
            s.getOutputStream().write(huge.getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(readAll(s.getInputStream()), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 400");
        }
        assertThat(get("/hello/still").statusCode()).isEqualTo(200);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            StringBuilder req = new StringBuilder();
            for (int i = 0; i < 5; i++) req.append("GET /hello/n").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            req.append("GET /hello/last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(readAll(s.getInputStream()), StandardCharsets.UTF_8);
            int prev = -1;
            for (String name : List.of("n0", "n1", "n2", "n3", "n4", "last")) {
                int at = answer.indexOf("\"hello\":\"" + name + "\"");
                assertThat(at).isGreaterThan(prev);
                prev = at;
            }
        }
    }

    static byte[] readAll(InputStream in) throws Exception {
        return in.readAllBytes();
    }

    @Test
    void webSocketUpgradeEchoesAnswersPingAndClosesOnOversizedFrames() throws Exception {
        Listener listener = new Listener();
        WebSocket ws = client.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws-echo?x=1"),
                listener).get(5, TimeUnit.SECONDS);
        ws.sendText("hi", true).get(5, TimeUnit.SECONDS);
        assertThat(listener.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:hi");
        // a message in two fragments arrives whole
        ws.sendText("a", false).get(5, TimeUnit.SECONDS);
        ws.sendText("b", true).get(5, TimeUnit.SECONDS);
        assertThat(listener.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:ab");
        ws.sendPing(ByteBuffer.wrap(new byte[] {1, 2, 3})).get(5, TimeUnit.SECONDS);
        assertThat(listener.pongs.poll(5, TimeUnit.SECONDS)).isEqualTo(3);
        assertThat(handshakes).containsExactly("/ws-echo?x=1");

        ws.sendText("z".repeat(MAX_FRAME + 1), true).get(5, TimeUnit.SECONDS);
        assertThat(listener.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1009);
    }

    @Test
    void refusedUpgradesAnswerTheEndpointsStatus() throws Exception {
        CompletableFuture<WebSocket> f = client.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws-echo?refuse=1"), new Listener());
        try {
            f.get(5, TimeUnit.SECONDS);
            throw new AssertionError("upgrade should be refused");
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e).hasStackTraceContaining("401");
        }
        CompletableFuture<WebSocket> none = client.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/nowhere"), new Listener());
        try {
            none.get(5, TimeUnit.SECONDS);
            throw new AssertionError("no endpoint there");
        } catch (java.util.concurrent.ExecutionException | CompletionException e) {
            assertThat(e).hasStackTraceContaining("404");
        }
    }

    @Test
    void closingTheServerClosesOpenWebSocketSessions() throws Exception {
        Listener listener = new Listener();
        client.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws-echo"), listener)
                .get(5, TimeUnit.SECONDS);
        server.close();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(listener.closed::isDone);
    }

    static final class Listener implements WebSocket.Listener {
        final java.util.concurrent.BlockingQueue<String> texts = new java.util.concurrent.LinkedBlockingQueue<>();
        final java.util.concurrent.BlockingQueue<Integer> pongs = new java.util.concurrent.LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                texts.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            pongs.add(message.remaining());
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}
