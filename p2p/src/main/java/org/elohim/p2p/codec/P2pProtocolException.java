package org.elohim.p2p.codec;

import io.netty.handler.codec.DecoderException;

/**
 * A peer sent bytes that violate a libp2p wire protocol. Extends Netty's {@link DecoderException} so that a
 * {@code ByteToMessageDecoder} propagates it unwrapped to {@code exceptionCaught}; the pure codecs throw it too.
 */
public class P2pProtocolException extends DecoderException {
    public P2pProtocolException(String message) {
        super(message);
    }

    public P2pProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
