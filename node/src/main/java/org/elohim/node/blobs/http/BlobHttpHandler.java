package org.elohim.node.blobs.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.elohim.node.blobs.BlobAccess;
import org.elohim.node.blobs.BlobId;
import org.elohim.node.blobs.BlobInfo;
import org.elohim.node.blobs.BlobReader;
import org.elohim.node.blobs.BlobRejected;
import org.elohim.node.blobs.BlobUpload;
import org.elohim.node.http.HttpError;
import org.elohim.node.http.HttpReply;
import org.elohim.node.http.RequesterResolver;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.Requester;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET|HEAD /blobs/{id}} (Range, ETag, Content-Type: what {@code <img>} and {@code <video>}
 * need) and {@code PUT|POST /blobs} (upload by a paired device), streamed in both directions: it
 * sits before the HTTP aggregator and takes only its own requests, so a blob body is never
 * gathered in memory. Disk and SQLite work runs on the blob pool; the response body is written a
 * piece at a time, waiting while the connection is not writable; an upload reads the socket only
 * after the previous piece is stored.
 */
public final class BlobHttpHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(BlobHttpHandler.class);
    static final String PREFIX = "/blobs";
    static final int PIECE = 64 * 1024;

    private final BlobAccess access;
    private final RequesterResolver requesters;
    private final ExecutorService pool;
    private final Operator operator;
    private final Object writable = new Object();
    // Event-loop state of the request being handled by this handler (null: not ours).
    private Upload upload;
    private boolean discarding;

    /**
     * Recognizes the node's operator (the CLI: loopback peer + admin token), who reads every blob
     * and uploads on behalf of an owner ({@code ?owner=NAME}).
     */
    @FunctionalInterface
    public interface Operator {
        boolean is(java.net.SocketAddress remote, String authorization);

        Operator NONE = (r, a) -> false;
    }

    public BlobHttpHandler(BlobAccess access, RequesterResolver requesters, ExecutorService pool, Operator operator) {
        this.access = access;
        this.requesters = requesters;
        this.pool = pool;
        this.operator = operator;
    }

    /** The pool blob transfers run on (disk and SQLite); bounded, answers 503 when full. */
    public static ExecutorService newPool() {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return new java.util.concurrent.ThreadPoolExecutor(2, 32, 30, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(1024), r -> {
                    Thread t = new Thread(r, "blob-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    static boolean ours(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            String path = new QueryStringDecoder(req.uri()).rawPath();
            if (!ours(path)) {
                ctx.fireChannelRead(msg);
                return;
            }
            try {
                start(ctx, req, path);
            } finally {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (msg instanceof HttpContent content && (upload != null || discarding)) {
            if (discarding) {
                boolean last = content instanceof LastHttpContent;
                content.release();
                if (last) {
                    discarding = false;
                    ctx.channel().config().setAutoRead(true);
                }
                return;
            }
            upload.receive(ctx, content);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void start(ChannelHandlerContext ctx, HttpRequest req, String path) {
        String method = req.method().name();
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        boolean hasBody = HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
        // The rest of this request's body (if any) is ours to consume, whatever the answer.
        if (!(req instanceof io.netty.handler.codec.http.FullHttpRequest)) discarding = hasBody;
        ctx.channel().config().setAutoRead(false);
        QueryStringDecoder qs = new QueryStringDecoder(req.uri());
        HttpHeaders headers = req.headers().copy();
        boolean op = operator.is(ctx.channel().remoteAddress(), headers.get(HttpHeaderNames.AUTHORIZATION));
        if ((method.equals("PUT") || method.equals("POST")) && path.equals(PREFIX)) {
            discarding = false;
            if (HttpUtil.is100ContinueExpected(req)) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            }
            long size = HttpUtil.isTransferEncodingChunked(req) ? -1 : HttpUtil.getContentLength(req, -1L);
            Upload u = new Upload(keepAlive);
            upload = u;
            submit(ctx, keepAlive, () -> u.begin(ctx, method, path, qs, headers, size, op));
            return;
        }
        if ((method.equals("GET") || method.equals("HEAD")) && path.length() > PREFIX.length() + 1) {
            String id = path.substring(PREFIX.length() + 1);
            submit(ctx, keepAlive, () -> serve(ctx, method, path, id, headers, keepAlive, op));
            return;
        }
        reply(ctx, path.equals(PREFIX) ? HttpReply.error(405, "method " + method + " not allowed; allowed: PUT, POST")
                : HttpReply.error(405, "method " + method + " not allowed; allowed: GET, HEAD"), keepAlive && !discarding);
    }

    private void submit(ChannelHandlerContext ctx, boolean keepAlive, Runnable task) {
        try {
            pool.execute(() -> {
                try {
                    task.run();
                } catch (HttpError e) {
                    failUpload(ctx);
                    reply(ctx, HttpReply.error(e.status(), e.getMessage()), keepAlive && upload == null && !discarding);
                } catch (RuntimeException e) {
                    log.warn("blob HTTP request failed", e);
                    failUpload(ctx);
                    reply(ctx, HttpReply.error(500, "internal error"), false);
                }
            });
        } catch (RejectedExecutionException e) {
            failUpload(ctx);
            reply(ctx, HttpReply.error(503, "node busy, retry later"), false);
        }
    }

    private void failUpload(ChannelHandlerContext ctx) {
        ctx.executor().execute(() -> {
            if (upload != null) {
                upload.abort();
                upload = null;
                discarding = true; // the rest of the body is read and dropped, then the connection closes
                ctx.read();
            }
        });
    }

    // ---- download ----------------------------------------------------------------------------

    private void serve(ChannelHandlerContext ctx, String method, String path, String idText, HttpHeaders headers,
                       boolean keepAlive, boolean op) {
        Requester requester = op ? null : requesters.resolve(method, path, headers);
        Optional<BlobId> id = BlobId.parse(idText);
        // Denied and missing answer the same bytes (the id shown is the one asked for).
        HttpError notFound = HttpError.notFound("no such blob: " + (idText.length() > 80 ? idText.substring(0, 80) : idText));
        if (id.isEmpty()) throw new HttpError(400, "not a blob id (sha256-<64 hex> or a CIDv1 raw)");
        BlobReader reader = (op ? access.store().open(id.get()) : access.open(requester, id.get()))
                .orElseThrow(() -> notFound);
        boolean handedOff = false;
        try {
            BlobInfo info = reader.info();
            long size = info.size();
            String etag = "\"" + info.id() + "\"";
            HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpHeaders h = res.headers();
            h.set(HttpHeaderNames.ETAG, etag);
            h.set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
            h.set(HttpHeaderNames.CONTENT_TYPE, info.contentType());
            // Reach can change (a reference removed): revalidate every time; the ETag makes that cheap.
            h.set(HttpHeaderNames.CACHE_CONTROL, "private, no-cache");
            // A blob is data, never a page of this origin: no sniffing into HTML, no scripts.
            h.set("X-Content-Type-Options", "nosniff");
            h.set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; media-src 'self'");
            String inm = headers.get(HttpHeaderNames.IF_NONE_MATCH);
            if (inm != null && (inm.trim().equals("*") || List.of(inm.split(",")).stream().map(String::trim)
                    .anyMatch(t -> t.equals(etag) || t.equals("W/" + etag)))) {
                res.setStatus(HttpResponseStatus.NOT_MODIFIED);
                HttpUtil.setContentLength(res, 0);
                writeHead(ctx, res, keepAlive, true);
                return;
            }
            long start = 0;
            long length = size;
            ByteRange.Parsed range = ByteRange.parse(headers.get(HttpHeaderNames.RANGE), size);
            if (range instanceof ByteRange.Parsed.Unsatisfiable) {
                res.setStatus(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
                h.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
                HttpUtil.setContentLength(res, 0);
                writeHead(ctx, res, keepAlive, true);
                return;
            }
            if (range instanceof ByteRange.Parsed.Partial p) {
                res.setStatus(HttpResponseStatus.PARTIAL_CONTENT);
                start = p.range().start();
                length = p.range().length();
                h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + start + "-" + p.range().endInclusive() + "/" + size);
            }
            HttpUtil.setContentLength(res, length);
            if (method.equals("HEAD") || length == 0) {
                writeHead(ctx, res, keepAlive, true);
                return;
            }
            writeHead(ctx, res, keepAlive, false);
            handedOff = true;
            stream(ctx, reader, start, length, keepAlive);
        } finally {
            if (!handedOff) reader.close();
        }
    }

    private void writeHead(ChannelHandlerContext ctx, HttpResponse res, boolean keepAlive, boolean complete) {
        res.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        ctx.write(res);
        if (complete) finishResponse(ctx, keepAlive);
    }

    private void finishResponse(ChannelHandlerContext ctx, boolean keepAlive) {
        var f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
        else ctx.executor().execute(() -> ctx.channel().config().setAutoRead(true));
    }

    /** Writes [start, start+length) a piece at a time, waiting while the socket's buffer is full. */
    private void stream(ChannelHandlerContext ctx, BlobReader reader, long start, long length, boolean keepAlive) {
        Channel ch = ctx.channel();
        try (reader) {
            long pos = start;
            long end = start + length;
            while (pos < end) {
                if (!awaitWritable(ch)) return; // the browser went away (e.g. a <video> seeking elsewhere)
                ByteBuf buf = ctx.alloc().buffer((int) Math.min(PIECE, end - pos));
                try {
                    ByteBuffer nio = buf.nioBuffer(0, buf.capacity());
                    nio.limit((int) Math.min(PIECE, end - pos));
                    while (nio.hasRemaining()) {
                        if (reader.read(pos + nio.position(), nio) < 0) break;
                    }
                    buf.writerIndex(nio.position());
                } catch (java.io.IOException | RuntimeException e) {
                    buf.release();
                    log.warn("blob read failed while serving HTTP", e);
                    ch.close();
                    return;
                }
                pos += buf.readableBytes();
                ctx.writeAndFlush(new DefaultHttpContent(buf));
            }
            finishResponse(ctx, keepAlive);
        }
    }

    private boolean awaitWritable(Channel ch) {
        synchronized (writable) {
            while (ch.isActive() && !ch.isWritable()) {
                try {
                    writable.wait(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return ch.isActive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        synchronized (writable) {
            writable.notifyAll();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        synchronized (writable) {
            writable.notifyAll();
        }
        if (upload != null) {
            upload.abort();
            upload = null;
        }
        ctx.fireChannelInactive();
    }

    // ---- upload ------------------------------------------------------------------------------

    /** One PUT/POST: pieces go to the pool in order; the socket is read again once they are stored. */
    private final class Upload {
        private final boolean keepAlive;
        // Pieces run after begin(); abort() completes it too, so queued pieces are released.
        private final CompletableFuture<Void> head = new CompletableFuture<>();
        private CompletableFuture<Void> chain = head;
        private volatile BlobUpload blob;
        private long offset;
        private int inFlight;
        private volatile boolean aborted;

        Upload(boolean keepAlive) {
            this.keepAlive = keepAlive;
        }

        /** On the pool: authenticate, declare, then ask for the body. */
        void begin(ChannelHandlerContext ctx, String method, String path, QueryStringDecoder qs, HttpHeaders headers,
                   long size, boolean op) {
            try {
                Map<String, List<String>> q = qs.parameters();
                String owner;
                if (op) {
                    owner = first(q, "owner", null);
                    if (owner == null || owner.isBlank()) throw HttpError.badRequest("owner is required");
                } else if (requesters.resolve(method, path, headers) instanceof Requester.Device device) {
                    owner = device.owner();
                } else {
                    throw new HttpError(401, "uploads need a paired device (signed elohim-device-* headers)");
                }
                Optional<BlobId> expected = Optional.empty();
                String hash = first(q, "hash", headers.get("elohim-blob-hash"));
                if (hash != null) expected = Optional.of(BlobId.parse(hash).orElseThrow(() -> HttpError.badRequest("bad hash")));
                String reachText = first(q, "reach", headers.get("elohim-reach"));
                Reach reach = reachText == null ? Reach.PRIVATE
                        : Reach.parse(reachText).orElseThrow(() -> HttpError.badRequest("reach must be private, family,"
                        + " community or commons"));
                if (expected.isPresent() && size < 0) throw HttpError.badRequest("a declared hash needs a Content-Length");
                String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
                if (type != null && type.length() > 255) throw HttpError.badRequest("Content-Type too long");
                blob = access.store().beginUpload(owner, expected, size, type, reach);
                head.complete(null);
                ctx.executor().execute(ctx::read);
            } catch (BlobRejected e) {
                throw new HttpError(status(e), e.reason() + ": " + e.getMessage());
            }
        }

        /** On the event loop. */
        void receive(ChannelHandlerContext ctx, HttpContent content) {
            if (aborted) {
                content.release();
                return;
            }
            boolean last = content instanceof LastHttpContent;
            long at = offset;
            offset += content.content().readableBytes();
            inFlight++;
            chain = chain.thenRunAsync(() -> {
                try {
                    if (aborted) return;
                    ByteBuf b = content.content();
                    byte[] bytes = new byte[Math.min(b.readableBytes(), PIECE)];
                    long pos = at;
                    while (b.isReadable()) {
                        int n = Math.min(bytes.length, b.readableBytes());
                        b.readBytes(bytes, 0, n);
                        blob.write(pos, bytes, 0, n);
                        pos += n;
                    }
                    if (last) {
                        BlobInfo info = blob.finish();
                        reply(ctx, HttpReply.json(blob.created() ? 201 : 200, Map.of("hash", info.id().toString(),
                                "cid", info.id().cid(), "size", info.size(), "contentType", info.contentType())), keepAlive);
                        ctx.executor().execute(() -> upload = null);
                    }
                } catch (BlobRejected e) {
                    rejected(ctx, new HttpError(status(e), e.reason() + ": " + e.getMessage()));
                } catch (RuntimeException e) {
                    log.warn("blob upload over HTTP failed", e);
                    rejected(ctx, new HttpError(500, "internal error"));
                } finally {
                    content.release();
                    ctx.executor().execute(() -> {
                        inFlight--;
                        if (inFlight == 0 && !last && !aborted) ctx.read();
                    });
                }
            }, pool);
        }

        private void rejected(ChannelHandlerContext ctx, HttpError e) {
            aborted = true;
            BlobUpload b = blob;
            if (b != null) b.close();
            // The body was not read to its end: answer and close the connection.
            reply(ctx, HttpReply.error(e.status(), e.getMessage()), false);
        }

        void abort() {
            aborted = true;
            head.complete(null);
            BlobUpload b = blob;
            if (b != null) pool.execute(b::close);
        }
    }

    private static String first(Map<String, List<String>> q, String name, String fallback) {
        List<String> v = q.get(name);
        return v != null && !v.isEmpty() ? v.get(0) : fallback;
    }

    private static int status(BlobRejected e) {
        return switch (e.reason()) {
            case QUOTA_EXCEEDED -> 507;
            case TOO_LARGE -> 413;
            default -> 400;
        };
    }

    /** A complete JSON answer; restores reading for the next request when the connection stays open. */
    private static void reply(ChannelHandlerContext ctx, HttpReply reply, boolean keepAlive) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                Unpooled.wrappedBuffer(reply.body()));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        res.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        var f = ctx.writeAndFlush(res);
        if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
        else ctx.executor().execute(() -> ctx.channel().config().setAutoRead(true));
    }
}
