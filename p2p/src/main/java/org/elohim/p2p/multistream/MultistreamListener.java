package org.elohim.p2p.multistream;

import io.netty.channel.ChannelHandlerContext;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Responder side of multistream-select 1.0. Answers the header with the header, echoes the first supported
 * proposal, answers {@code na} otherwise and lists protocols on {@code ls}. Gives up (closing the channel, failing
 * {@link #protocol()} with {@link ProtocolNotSupportedException}) after {@code maxAttempts} refused proposals.
 */
public class MultistreamListener extends MultistreamNegotiator {
    public static final int DEFAULT_MAX_ATTEMPTS = 32;

    private final Predicate<String> supported;
    private final Supplier<? extends Collection<String>> listing;
    private final int maxAttempts;
    private boolean headerSeen;
    private int attempts;

    public MultistreamListener(Set<String> protocols) {
        this(Set.copyOf(protocols)::contains, () -> List.copyOf(protocols), DEFAULT_TIMEOUT, DEFAULT_MAX_ATTEMPTS);
    }

    public MultistreamListener(Predicate<String> supported) {
        this(supported, List::of, DEFAULT_TIMEOUT, DEFAULT_MAX_ATTEMPTS);
    }

    /**
     * @param supported   whether a proposed protocol is accepted
     * @param listing     protocols reported to {@code ls}
     * @param timeout     deadline for the whole negotiation
     * @param maxAttempts proposals (including {@code ls}) answered before giving up
     */
    public MultistreamListener(Predicate<String> supported, Supplier<? extends Collection<String>> listing,
            Duration timeout, int maxAttempts) {
        super(timeout);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1");
        }
        this.supported = supported;
        this.listing = listing;
        this.maxAttempts = maxAttempts;
    }

    @Override
    void onStart(ChannelHandlerContext ctx) {
        // The header is answered when the dialer's arrives, in the same write as the first answer.
    }

    @Override
    boolean onMessage(ChannelHandlerContext ctx, byte[] body) {
        String msg = strictUtf8(body);
        if (!headerSeen) {
            if (!MultistreamCodec.PROTOCOL_ID.equals(msg)) {
                throw new MultistreamException("remote does not speak " + MultistreamCodec.PROTOCOL_ID);
            }
            headerSeen = true;
            write(ctx, MultistreamCodec.encode(MultistreamCodec.PROTOCOL_ID));
            return true;
        }
        if (++attempts > maxAttempts) {
            throw new ProtocolNotSupportedException("dialer exceeded " + maxAttempts + " proposals");
        }
        if (MultistreamCodec.LS.equals(msg)) {
            write(ctx, MultistreamCodec.encodeLsResponse(listing.get()));
            return true;
        }
        if (!msg.isEmpty() && !MultistreamCodec.NA.equals(msg) && supported.test(msg)) {
            write(ctx, MultistreamCodec.encode(msg));
            succeed(ctx, msg);
            return false;
        }
        write(ctx, MultistreamCodec.encode(MultistreamCodec.NA));
        return true;
    }

    private static void write(ChannelHandlerContext ctx, byte[] bytes) {
        ctx.write(ctx.alloc().buffer(bytes.length).writeBytes(bytes));
    }

    private static String strictUtf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new MultistreamException("multistream message is not valid UTF-8", e);
        }
    }
}
