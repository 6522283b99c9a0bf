package org.elohim.p2p.noise;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.elohim.p2p.codec.FrameTooLargeException;
import org.elohim.p2p.codec.P2pProtocolException;
import org.elohim.p2p.crypto.X25519;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PeerId;

/**
 * libp2p {@code /noise} secure channel on a Netty pipeline: 2-byte big-endian framed Noise messages. Runs the
 * XX handshake (bounded by a timeout), verifies the remote identity and the expected peer, fires
 * {@link SecureSessionEstablished}, then encrypts outbound and decrypts inbound ByteBufs transparently.
 *
 * <p>Writes issued before the session is established are queued and sent once it is. Any failure completes
 * {@link #session()} exceptionally with a {@link NoiseException} and closes the channel; it is not propagated
 * down the pipeline as an exception.
 */
public class NoiseSecureChannelHandler extends ByteToMessageDecoder implements ChannelOutboundHandler {
    public static final int MAX_FRAME_LENGTH = 65535;
    public static final int MAX_PLAINTEXT_LENGTH = MAX_FRAME_LENGTH - CipherState.TAG_LENGTH;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Bound on plaintext queued while the handshake runs. */
    public static final int MAX_PENDING_BYTES = 1 << 20;
    private static final byte[] EMPTY = new byte[0];

    private record PendingWrite(ByteBuf buf, ChannelPromise promise) {
    }

    private final Libp2pNoiseHandshake handshake;
    private final Duration handshakeTimeout;
    private final CompletableFuture<SecureSessionEstablished> session = new CompletableFuture<>();
    private final ArrayDeque<PendingWrite> pending = new ArrayDeque<>();
    private long pendingBytes;
    private volatile Throwable failure;
    /** Reused copy area for direct buffers (event-loop confined). */
    private byte[] scratch;
    private ScheduledFuture<?> timer;
    private CipherState sender;
    private CipherState receiver;
    private boolean started;
    private boolean failed;

    public NoiseSecureChannelHandler(Role role, IdentityKey identity, Optional<PeerId> expectedRemote,
            List<String> localMuxers) {
        this(role, identity, expectedRemote, localMuxers, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    public NoiseSecureChannelHandler(Role role, IdentityKey identity, Optional<PeerId> expectedRemote,
            List<String> localMuxers, Duration handshakeTimeout) {
        this(new Libp2pNoiseHandshake(role, identity, expectedRemote, localMuxers, X25519.randomPrivateKey(), null),
                handshakeTimeout);
    }

    /** With a prepared handshake (e.g. fixed keys in tests). */
    public NoiseSecureChannelHandler(Libp2pNoiseHandshake handshake, Duration handshakeTimeout) {
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive");
        }
        this.handshake = handshake;
        this.handshakeTimeout = handshakeTimeout;
    }

    /** Completes when the handshake is verified; fails with a {@link NoiseException} on any handshake failure. */
    public CompletableFuture<SecureSessionEstablished> session() {
        return session;
    }

    public boolean isEstablished() {
        return sender != null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        timer = ctx.executor().schedule(() -> {
            if (!isEstablished()) {
                fail(ctx, new NoiseHandshakeException("Noise handshake timed out after "
                        + handshakeTimeout.toMillis() + " ms"));
            }
        }, handshakeTimeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            handshake.start().ifPresent(m -> sendHandshake(ctx, m));
        } catch (RuntimeException e) {
            fail(ctx, asNoise(e));
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            while (in.readableBytes() >= 2) {
                int length = in.getUnsignedShort(in.readerIndex());
                if (in.readableBytes() < 2 + length) {
                    return;
                }
                in.skipBytes(2);
                if (sender == null) {
                    byte[] message = new byte[length];
                    in.readBytes(message);
                    onHandshakeMessage(ctx, message);
                    if (failed) {
                        return;
                    }
                } else {
                    ByteBuf plain = decryptFrame(ctx, in, length);
                    if (plain != null) {
                        out.add(plain);
                    }
                }
            }
        } catch (RuntimeException e) {
            in.skipBytes(in.readableBytes());
            fail(ctx, asNoise(e));
        }
    }

    private void onHandshakeMessage(ChannelHandlerContext ctx, byte[] message) {
        Optional<byte[]> reply = handshake.onMessage(message);
        reply.ifPresent(m -> sendHandshake(ctx, m));
        if (handshake.isComplete()) {
            TransportCiphers c = handshake.ciphers();
            sender = c.sender();
            receiver = c.receiver();
            if (timer != null) {
                timer.cancel(false);
            }
            SecureSessionEstablished established = handshake.result();
            session.complete(established);
            ctx.fireUserEventTriggered(established);
            if (!pending.isEmpty()) {
                PendingWrite w;
                while ((w = pending.poll()) != null) {
                    write(ctx, w.buf(), w.promise());
                }
                pendingBytes = 0;
                ctx.flush();
            }
        }
    }

    private ByteBuf decryptFrame(ChannelHandlerContext ctx, ByteBuf in, int length) {
        if (length < CipherState.TAG_LENGTH) {
            throw new NoiseDecryptionException("transport frame shorter than the tag", null);
        }
        int plainLength = length - CipherState.TAG_LENGTH;
        ByteBuf plain = ctx.alloc().heapBuffer(plainLength);
        try {
            byte[] src;
            int srcOff;
            if (in.hasArray()) {
                src = in.array();
                srcOff = in.arrayOffset() + in.readerIndex();
            } else {
                // The JDK cipher is fastest on arrays: copy direct input once into a scratch array.
                src = scratch();
                srcOff = 0;
                in.getBytes(in.readerIndex(), src, 0, length);
            }
            int written = receiver.decrypt(EMPTY, src, srcOff, length, plain.array(),
                    plain.arrayOffset() + plain.writerIndex());
            in.skipBytes(length);
            plain.writerIndex(plain.writerIndex() + written);
            if (written == 0) {
                plain.release();
                return null;
            }
            return plain;
        } catch (RuntimeException e) {
            plain.release();
            throw e;
        }
    }

    private byte[] scratch() {
        if (scratch == null) {
            scratch = new byte[MAX_FRAME_LENGTH];
        }
        return scratch;
    }

    private void sendHandshake(ChannelHandlerContext ctx, byte[] message) {
        if (message.length > MAX_FRAME_LENGTH) {
            throw new FrameTooLargeException(message.length, MAX_FRAME_LENGTH);
        }
        ByteBuf buf = ctx.alloc().buffer(2 + message.length);
        buf.writeShort(message.length);
        buf.writeBytes(message);
        ctx.writeAndFlush(buf);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (failed) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new NoiseException("Noise session failed"));
            return;
        }
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new IllegalArgumentException("Noise channel accepts only ByteBuf, got "
                    + msg.getClass().getName()));
            return;
        }
        if (sender == null) {
            if (pendingBytes + buf.readableBytes() > MAX_PENDING_BYTES) {
                buf.release();
                promise.tryFailure(new NoiseException("too much data written before the Noise session"));
                return;
            }
            pendingBytes += buf.readableBytes();
            pending.add(new PendingWrite(buf, promise));
            return;
        }
        ByteBuf encrypted;
        try {
            encrypted = encrypt(ctx, buf);
        } catch (RuntimeException e) {
            promise.tryFailure(e);
            return;
        } finally {
            buf.release();
        }
        ctx.write(encrypted, promise);
    }

    /** Encrypts {@code plain} as one or more frames of at most {@link #MAX_PLAINTEXT_LENGTH} plaintext bytes. */
    private ByteBuf encrypt(ChannelHandlerContext ctx, ByteBuf plain) {
        int remaining = plain.readableBytes();
        int frames = (remaining + MAX_PLAINTEXT_LENGTH - 1) / MAX_PLAINTEXT_LENGTH;
        ByteBuf out = ctx.alloc().heapBuffer(remaining + frames * (2 + CipherState.TAG_LENGTH));
        try {
            int readIndex = plain.readerIndex();
            while (remaining > 0) {
                int chunk = Math.min(remaining, MAX_PLAINTEXT_LENGTH);
                byte[] src;
                int srcOff;
                if (plain.hasArray()) {
                    src = plain.array();
                    srcOff = plain.arrayOffset() + readIndex;
                } else {
                    src = scratch();
                    srcOff = 0;
                    plain.getBytes(readIndex, src, 0, chunk);
                }
                out.writeShort(chunk + CipherState.TAG_LENGTH);
                int w = out.writerIndex();
                int written = sender.encrypt(EMPTY, src, srcOff, chunk, out.array(), out.arrayOffset() + w);
                out.writerIndex(w + written);
                readIndex += chunk;
                remaining -= chunk;
            }
            return out; // empty for an empty write, which still completes its promise
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (sender != null || failed) {
            ctx.flush();
        }
        // During the handshake user data waits in the pending queue; handshake frames are flushed directly.
    }

    private void fail(ChannelHandlerContext ctx, NoiseException cause) {
        if (failed) {
            return;
        }
        failed = true;
        failure = cause;
        if (timer != null) {
            timer.cancel(false);
        }
        session.completeExceptionally(cause);
        failPending(cause);
        ctx.close();
    }

    private static NoiseException asNoise(Throwable e) {
        if (e instanceof NoiseException n) {
            return n;
        }
        if (e instanceof P2pProtocolException) {
            return new NoiseHandshakeException(e.getMessage(), e);
        }
        return new NoiseException("Noise channel failed: " + e, e);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!session.isDone()) {
            fail(ctx, new NoiseHandshakeException("connection closed during Noise handshake"));
        }
        failPending(new NoiseException("connection closed"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failed) {
            return; // already closed for a reason of our own; late I/O errors add nothing
        }
        if (!isEstablished()) {
            fail(ctx, asNoise(cause));
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
        failPending(new NoiseException("Noise handler removed"));
    }

    private void failPending(Throwable cause) {
        PendingWrite w;
        while ((w = pending.poll()) != null) {
            w.buf().release();
            w.promise().tryFailure(cause);
        }
        pendingBytes = 0;
    }

    /** Why the secure channel was closed by this handler (handshake or transport failure), if it was. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    // ---- pass-through outbound operations ----

    @Override
    public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
        ctx.bind(localAddress, promise);
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remoteAddress, SocketAddress localAddress,
            ChannelPromise promise) {
        ctx.connect(remoteAddress, localAddress, promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.disconnect(promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.close(promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
    }
}
