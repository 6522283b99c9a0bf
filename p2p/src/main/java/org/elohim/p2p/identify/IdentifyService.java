package org.elohim.p2p.identify;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import org.elohim.p2p.codec.Uvarint;
import org.elohim.p2p.host.P2pStream;
import org.elohim.p2p.host.SingleMessageReader;
import org.elohim.p2p.host.StreamHandler;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * identify ({@code /ipfs/id/1.0.0}): the responder writes one length-prefixed {@link IdentifyMessage} and
 * finishes the stream; the dialer reads it. identify push ({@code /ipfs/id/push/1.0.0}) is the reverse.
 */
public final class IdentifyService {

    public static final String PROTOCOL = "/ipfs/id/1.0.0";
    public static final String PUSH_PROTOCOL = "/ipfs/id/push/1.0.0";
    public static final String PROTOCOL_VERSION = "ipfs/0.1.0";

    private IdentifyService() {
    }

    /** Answers identify requests with the message {@code ours} builds for the stream (observed address differs). */
    public static StreamHandler responder(Function<P2pStream, IdentifyMessage> ours) {
        return stream -> send(stream.channel(), IdentifyCodec.encode(ours.apply(stream)));
    }

    /** Receives pushed updates. */
    public static StreamHandler pushReceiver(Consumer<P2pStream> onStream, java.util.function.BiConsumer<P2pStream, IdentifyMessage> onMessage) {
        return stream -> {
            onStream.accept(stream);
            reader(stream).thenAccept(m -> onMessage.accept(stream, m));
        };
    }

    /** Reads the peer's identify message from a stream we opened (or a pushed one). */
    public static CompletableFuture<IdentifyMessage> reader(P2pStream stream) {
        SingleMessageReader reader = new SingleMessageReader(IdentifyCodec.MAX_MESSAGE_BYTES);
        stream.channel().pipeline().addLast(reader);
        return reader.message().thenApply(IdentifyCodec::decode);
    }

    /** Sender half (identify response or push): message, FIN, then close. */
    public static StreamHandler sender(IdentifyMessage message) {
        byte[] body = IdentifyCodec.encode(message);
        return stream -> send(stream.channel(), body);
    }

    private static void send(Channel ch, byte[] body) {
        ByteBuf buf = ch.alloc().buffer(Uvarint.MAX_BYTES + body.length);
        Uvarint.write(buf, body.length);
        buf.writeBytes(body);
        ch.writeAndFlush(buf).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ch.close();
                return;
            }
            P2pStream.closeWrite(ch).addListener(x -> ch.close());
        });
    }
}
