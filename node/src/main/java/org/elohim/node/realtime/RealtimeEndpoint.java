package org.elohim.node.realtime;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.elohim.node.automergerepo.KeepAlive;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.http.WebSocketEndpoint;
import org.elohim.node.reach.Requester;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spec's realtime API at {@code /ws}: JSON text frames, {@code subscribe} to doc ids, receive
 * {@code change} pushes (base64 Automerge changes), send {@code change}s. Authenticated like the
 * gRPC API (signed headers, or the same fields as query parameters), reach-checked on every push.
 * Changes from any source reach subscribers through {@link DocumentService#subscribe}.
 */
public final class RealtimeEndpoint implements WebSocketEndpoint, AutoCloseable {
    public static final String DEFAULT_PATH = "/ws";
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
    private static final Logger log = LoggerFactory.getLogger(RealtimeEndpoint.class);

    private final String path;
    private final DocumentService docs;
    private final RealtimePolicy policy;
    private final RealtimeAuthentication authentication;
    private final int maxFrameBytes;
    private final long keepAliveMillis;
    private final ExecutorService workers;
    private final Map<String, Set<RealtimeSession>> byDoc = new ConcurrentHashMap<>();
    private final AutoCloseable changes;
    private final AtomicLong sessionIds = new AtomicLong();

    public RealtimeEndpoint(String path, DocumentService docs, RealtimePolicy policy,
                            RealtimeAuthentication authentication, int maxFrameBytes, long keepAliveMillis) {
        this.path = path;
        this.docs = docs;
        this.policy = policy;
        this.authentication = authentication;
        this.maxFrameBytes = maxFrameBytes;
        this.keepAliveMillis = keepAliveMillis;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "ws-realtime-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.changes = docs.subscribe(change -> {
            Set<RealtimeSession> sessions = byDoc.get(change.docId());
            if (sessions == null) return;
            for (RealtimeSession s : sessions) {
                if (s.origin().equals(change.origin())) continue; // the writer got its ack
                s.executor().execute(() -> s.push(change.docId()));
            }
        });
    }

    public RealtimeEndpoint(DocumentService docs, RealtimePolicy policy, RealtimeAuthentication authentication) {
        this(DEFAULT_PATH, docs, policy, authentication, DEFAULT_MAX_FRAME_BYTES, KeepAlive.DEFAULT_INTERVAL_MILLIS);
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    @Override
    public ChannelHandler newSession(UpgradeRequest request) throws UpgradeRefused {
        Requester requester = authentication.authenticate(request);
        return new Handler(requester);
    }

    private final RealtimeSession.Registry registry = new RealtimeSession.Registry() {
        @Override
        public void subscribe(String docId, RealtimeSession session) {
            byDoc.computeIfAbsent(docId, k -> ConcurrentHashMap.newKeySet()).add(session);
        }

        @Override
        public void unsubscribe(String docId, RealtimeSession session) {
            byDoc.computeIfPresent(docId, (k, set) -> {
                set.remove(session);
                return set.isEmpty() ? null : set;
            });
        }
    };

    private final class Handler extends ChannelInboundHandlerAdapter implements RealtimeSession.Outbound {
        private final Requester requester;
        private final KeepAlive keepAlive = new KeepAlive();
        private volatile Channel channel;
        private RealtimeSession session;
        private ScheduledFuture<?> pinger;

        Handler(Requester requester) {
            this.requester = requester;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            session = new RealtimeSession(docs, policy, requester, this, registry, new SerialExecutor(workers),
                    "ws:" + sessionIds.incrementAndGet(), RealtimeSession.DEFAULT_MAX_SUBSCRIPTIONS);
            ctx.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext c, Object msg) {
                    keepAlive.heard();
                    c.fireChannelRead(msg);
                }
            });
            pinger = ctx.executor().scheduleAtFixedRate(() -> {
                Channel ch = channel;
                if (!ch.isActive()) return;
                if (keepAlive.tick() == KeepAlive.Action.DROP) ch.close();
                else ch.writeAndFlush(new PingWebSocketFrame());
            }, keepAliveMillis, keepAliveMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof TextWebSocketFrame t) {
                    String text = t.content().toString(StandardCharsets.UTF_8);
                    session.executor().execute(() -> session.onText(text));
                } else if (msg instanceof WebSocketFrame f) {
                    int size = f.content().readableBytes();
                    sendText(new RealtimeCodec().error("unsupported_frame",
                            "/ws speaks JSON text frames (got a " + size + "-byte non-text frame)", null));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            stop();
            ctx.fireChannelInactive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            stop();
        }

        private void stop() {
            if (pinger != null) pinger.cancel(false);
            RealtimeSession s = session;
            if (s != null) s.executor().execute(s::closed);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("/ws session {} failed", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }

        @Override
        public void sendText(String text) {
            Channel ch = channel;
            if (ch != null && ch.isActive()) ch.writeAndFlush(new TextWebSocketFrame(text));
        }

        @Override
        public void close(int code, String reason) {
            Channel ch = channel;
            if (ch != null && ch.isActive()) {
                ch.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    @Override
    public void close() {
        try {
            changes.close();
        } catch (Exception e) {
            log.debug("unsubscribe failed", e);
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) workers.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
    }
}
