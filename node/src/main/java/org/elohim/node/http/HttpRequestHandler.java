package org.elohim.node.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.elohim.node.docs.DocumentRejected;
import org.elohim.node.reach.Requester;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per connection: routes aggregated requests to the route pool (one request at a time per
 * connection, so pipelined responses keep their order), and upgrades WebSocket requests whose
 * path is an endpoint's path.
 */
final class HttpRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpRequestHandler.class);
    private static final int MAX_QUERY_PARAMS = 64;
    private static final int MAX_PIPELINED = 32;

    private final Router router;
    private final List<WebSocketEndpoint> webSockets;
    private final RequesterResolver requesters;
    private final Executor pool;
    // Touched only on this channel's event loop.
    private final java.util.ArrayDeque<Runnable> pending = new java.util.ArrayDeque<>();
    private boolean busy;

    HttpRequestHandler(Router router, List<WebSocketEndpoint> webSockets, RequesterResolver requesters, Executor pool) {
        this.router = router;
        this.webSockets = webSockets;
        this.requesters = requesters;
        this.pool = pool;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (req.decoderResult().isFailure()) {
            send(ctx, HttpReply.error(400, "malformed HTTP request"), false, false);
            return;
        }
        QueryStringDecoder qs = new QueryStringDecoder(req.uri(), HttpUtil.getCharset(req), true, MAX_QUERY_PARAMS);
        String path = qs.rawPath();
        String method = req.method().name();
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        boolean head = "HEAD".equals(method);
        if (req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            upgrade(ctx, req, qs, path, method);
            return;
        }
        Map<String, List<String>> query;
        try {
            query = qs.parameters();
        } catch (IllegalArgumentException e) {
            send(ctx, HttpReply.error(400, "malformed query string"), keepAlive, head);
            return;
        }
        byte[] body = ByteBufUtil.getBytes(req.content());
        HttpHeaders headers = req.headers().copy();
        SocketAddress remote = ctx.channel().remoteAddress();
        if (pending.size() >= MAX_PIPELINED) {
            send(ctx, HttpReply.error(503, "too many pipelined requests"), false, head);
            return;
        }
        pending.add(() -> send(ctx, dispatch(method, path, query, headers, remote, body), keepAlive, head));
        // Stop reading more until this connection's queue drains: bounded memory per connection.
        ctx.channel().config().setAutoRead(false);
        runNext(ctx);
    }

    /** Runs this connection's requests one at a time, in order (so pipelined answers keep their order). */
    private void runNext(ChannelHandlerContext ctx) {
        if (busy) return;
        Runnable next = pending.poll();
        if (next == null) {
            ctx.channel().config().setAutoRead(true);
            return;
        }
        busy = true;
        try {
            pool.execute(() -> {
                try {
                    next.run();
                } finally {
                    ctx.executor().execute(() -> {
                        busy = false;
                        runNext(ctx);
                    });
                }
            });
        } catch (RejectedExecutionException e) {
            busy = false;
            pending.clear();
            send(ctx, HttpReply.error(503, "node busy, retry later"), false, false);
        }
    }

    private HttpReply dispatch(String method, String path, Map<String, List<String>> query, HttpHeaders headers,
                               SocketAddress remote, byte[] body) {
        try {
            Router.Match m = router.match(method, path);
            if (m instanceof Router.Match.NotFound) return HttpReply.error(404, "no such endpoint: " + path);
            if (m instanceof Router.Match.WrongMethod w) {
                return HttpReply.error(405, "method " + method + " not allowed; allowed: " + String.join(", ", w.allowed()));
            }
            Router.Match.Found found = (Router.Match.Found) m;
            Requester requester = resolve(method, path, headers);
            return found.route().handler().handle(new HttpExchange(method, path, found.params(), query, headers,
                    remote, body, requester));
        } catch (HttpError e) {
            return HttpReply.error(e.status(), e.getMessage());
        } catch (IllegalArgumentException | DocumentRejected e) {
            return HttpReply.error(400, e.getMessage());
        } catch (org.elohim.node.docs.ContentUnavailable e) {
            return HttpReply.error(422, e.getMessage()); // the document syncs; its content is over the budget

        } catch (Exception | Error e) {
            log.warn("HTTP {} {} failed", method, path, e);
            return HttpReply.error(500, "internal error");
        }
    }

    private Requester resolve(String method, String path, HttpHeaders headers) {
        try {
            Requester r = requesters.resolve(method, path, headers);
            return r == null ? Requester.ANONYMOUS : r;
        } catch (HttpError e) {
            throw e;
        } catch (RuntimeException e) {
            log.debug("authentication headers rejected", e);
            return Requester.ANONYMOUS;
        }
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder qs, String path, String method) {
        WebSocketEndpoint endpoint = null;
        for (WebSocketEndpoint e : webSockets) if (e.path().equals(path)) endpoint = e;
        if (endpoint == null) {
            send(ctx, HttpReply.error(404, "no WebSocket endpoint at " + path), false, false);
            return;
        }
        if (!"GET".equals(method)) {
            send(ctx, HttpReply.error(405, "WebSocket upgrade needs GET"), false, false);
            return;
        }
        Map<String, List<String>> params;
        try {
            params = qs.parameters();
        } catch (IllegalArgumentException e) {
            send(ctx, HttpReply.error(400, "malformed query string"), false, false);
            return;
        }
        ChannelHandler session;
        try {
            session = endpoint.newSession(new WebSocketEndpoint.UpgradeRequest(path, params, req.headers().copy(),
                    ctx.channel().remoteAddress()));
        } catch (WebSocketEndpoint.UpgradeRefused e) {
            send(ctx, HttpReply.error(e.status(), e.getMessage()), false, false);
            return;
        } catch (RuntimeException e) {
            log.warn("WebSocket session for {} failed to start", path, e);
            send(ctx, HttpReply.error(500, "internal error"), false, false);
            return;
        }
        String host = req.headers().get(HttpHeaderNames.HOST, "localhost");
        WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(endpoint.maxFrameBytes()).allowExtensions(false).build();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory("ws://" + host + path, null, config)
                .newHandshaker(req);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        String uri = req.uri();
        HttpHeaders headers = req.headers().copy();
        ChannelPipeline p = ctx.pipeline();
        if (p.get("idle") != null) p.remove("idle");
        // Installed before the handshake: its future may complete synchronously on this event loop.
        p.addLast("ws-aggregate", new WebSocketFrameAggregator(endpoint.maxFrameBytes()));
        p.addLast("ws-control", new WebSocketControlHandler(handshaker));
        p.addLast("ws-session", session);
        p.addLast("ws-tail", new WebSocketTailHandler());
        handshaker.handshake(ctx.channel(), req).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                f.channel().close();
                return;
            }
            ChannelHandlerContext control = f.channel().pipeline().context("ws-control");
            if (control != null) {
                control.fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete(uri, headers,
                        handshaker.selectedSubprotocol()));
            }
        });
        p.remove(this);
    }

    static void send(ChannelHandlerContext ctx, HttpReply reply, boolean keepAlive, boolean head) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(res);
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
