package org.elohim.p2p.multistream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.elohim.p2p.codec.FrameTooLargeException;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.Uvarint;

/**
 * multistream-select 1.0 messages: {@code uvarint(len) || utf8 text || '\n'}, len counting the newline and at
 * most {@link #MAX_MESSAGE_LENGTH}. Pure: bytes in, strings out.
 */
public final class MultistreamCodec {
    public static final String PROTOCOL_ID = "/multistream/1.0.0";
    public static final String NA = "na";
    public static final String LS = "ls";
    /** js-libp2p's limit on one message, newline included. */
    public static final int MAX_MESSAGE_LENGTH = 1024;
    private static final int MAX_LENGTH_BYTES = 2;

    private MultistreamCodec() {
    }

    /** Encodes one message ({@code text} must not contain a newline). */
    public static byte[] encode(String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        checkText(text, body.length);
        byte[] out = new byte[Uvarint.encodedLength(body.length + 1) + body.length + 1];
        int n = Uvarint.write(out, 0, body.length + 1);
        System.arraycopy(body, 0, out, n, body.length);
        out[out.length - 1] = '\n';
        return out;
    }

    /** Encodes several messages back to back into one buffer (one write, as js does for header+proposal). */
    public static ByteBuf encode(ByteBufAllocator alloc, String... messages) {
        ByteBuf buf = alloc.buffer();
        for (String m : messages) {
            buf.writeBytes(encode(m));
        }
        return buf;
    }

    /**
     * The answer to {@code ls}: one message whose body is the concatenation of each protocol encoded as a message,
     * followed by the newline (the go/rust layout).
     */
    public static byte[] encodeLsResponse(Collection<String> protocols) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String p : protocols) {
            body.writeBytes(encode(p));
        }
        byte[] inner = body.toByteArray();
        byte[] out = new byte[Uvarint.encodedLength(inner.length + 1) + inner.length + 1];
        int n = Uvarint.write(out, 0, inner.length + 1);
        System.arraycopy(inner, 0, out, n, inner.length);
        out[out.length - 1] = '\n';
        return out;
    }

    /** Parses the body (without its final newline) of an {@code ls} response. */
    public static List<String> decodeLsResponse(byte[] body) {
        List<String> out = new ArrayList<>();
        int pos = 0;
        while (pos < body.length) {
            Uvarint.Decoded len = Uvarint.decode(body, pos, MAX_LENGTH_BYTES);
            pos += len.length();
            if (len.value() < 1 || len.value() > body.length - pos) {
                throw new MalformedFrameException("bad ls entry length");
            }
            int textLen = (int) len.value() - 1;
            if (body[pos + textLen] != '\n') {
                throw new MalformedFrameException("ls entry lacks trailing newline");
            }
            out.add(utf8(body, pos, textLen));
            pos += textLen + 1;
        }
        return out;
    }

    /**
     * Reads one message body (newline stripped) as raw bytes if complete; null (nothing consumed) if incomplete.
     *
     * @throws FrameTooLargeException  if the announced length exceeds {@link #MAX_MESSAGE_LENGTH}
     * @throws MalformedFrameException on a bad varint, empty message or missing newline
     */
    public static byte[] tryReadFrame(ByteBuf in) {
        int start = in.readerIndex();
        long len = Uvarint.tryRead(in, MAX_LENGTH_BYTES);
        if (len == Uvarint.NEED_MORE) {
            return null;
        }
        if (len > MAX_MESSAGE_LENGTH) {
            throw new FrameTooLargeException(len, MAX_MESSAGE_LENGTH);
        }
        if (len == 0) {
            throw new MalformedFrameException("empty multistream message");
        }
        if (in.readableBytes() < len) {
            in.readerIndex(start);
            return null;
        }
        byte[] body = new byte[(int) len - 1];
        in.readBytes(body);
        if (in.readByte() != '\n') {
            throw new MalformedFrameException("multistream message lacks trailing newline");
        }
        return body;
    }

    /** Like {@link #tryReadFrame} but decodes the body as strict UTF-8 text. */
    public static String tryDecode(ByteBuf in) {
        byte[] body = tryReadFrame(in);
        return body == null ? null : utf8(body, 0, body.length);
    }

    private static String utf8(byte[] b, int off, int len) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, off, len)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedFrameException("multistream message is not valid UTF-8", e);
        }
    }

    private static void checkText(String text, int byteLength) {
        if (text.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("multistream message must not contain a newline");
        }
        if (byteLength + 1 > MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("multistream message longer than " + MAX_MESSAGE_LENGTH);
        }
    }
}
