package org.elohim.p2p.multistream;

import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Initiator side of multistream-select 1.0, usable on a raw TCP channel or a muxed stream channel. Sends the
 * header and the first proposal in one write, then proposes the next protocol after each {@code na}. Completes
 * {@link #protocol()} with the accepted protocol, or fails it with {@link ProtocolNotSupportedException} (all
 * refused), {@link NegotiationTimeoutException} or {@link MultistreamException} and closes the channel.
 */
public class MultistreamDialer extends MultistreamNegotiator {
    private final List<String> protocols;
    private boolean headerSeen;
    private int index;

    public MultistreamDialer(List<String> protocols) {
        this(protocols, DEFAULT_TIMEOUT);
    }

    public MultistreamDialer(List<String> protocols, Duration timeout) {
        super(timeout);
        if (protocols == null || protocols.isEmpty()) {
            throw new IllegalArgumentException("at least one protocol to propose");
        }
        for (String p : protocols) {
            MultistreamCodec.encode(p); // validates
        }
        this.protocols = List.copyOf(protocols);
    }

    @Override
    void onStart(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(MultistreamCodec.encode(ctx.alloc(), MultistreamCodec.PROTOCOL_ID, protocols.get(0)));
    }

    @Override
    boolean onMessage(ChannelHandlerContext ctx, byte[] body) {
        String msg = new String(body, StandardCharsets.UTF_8);
        if (!headerSeen) {
            if (!MultistreamCodec.PROTOCOL_ID.equals(msg)) {
                throw new MultistreamException("remote does not speak " + MultistreamCodec.PROTOCOL_ID);
            }
            headerSeen = true;
            return true;
        }
        String proposed = protocols.get(index);
        if (proposed.equals(msg)) {
            succeed(ctx, proposed);
            return false;
        }
        if (!MultistreamCodec.NA.equals(msg)) {
            throw new MultistreamException("unexpected multistream response to " + proposed);
        }
        if (++index >= protocols.size()) {
            throw new ProtocolNotSupportedException(protocols);
        }
        ctx.write(ctx.alloc().buffer().writeBytes(MultistreamCodec.encode(protocols.get(index))));
        return true;
    }
}
