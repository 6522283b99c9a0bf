package org.elohim.p2p.noise;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test vectors parsed from the captured js-libp2p 3.3.11 sessions in {@code /captures/}: deterministic keys,
 * the three Noise handshake messages and the fully printed transport frames of each direction.
 */
public final class CaptureVectors {
    public static final byte[] LISTENER_SEED = hex("0101010101010101010101010101010101010101010101010101010101010101");
    public static final byte[] DIALER_SEED = hex("1111111111111111111111111111111111111111111111111111111111111111");
    public static final byte[] RESPONDER_STATIC = hex("0202020202020202020202020202020202020202020202020202020202020202");
    public static final byte[] INITIATOR_STATIC = hex("1212121212121212121212121212121212121212121212121212121212121212");
    public static final byte[] INITIATOR_EPHEMERAL = hex("1313131313131313131313131313131313131313131313131313131313131313");
    public static final byte[] RESPONDER_EPHEMERAL = hex("0303030303030303030303030303030303030303030303030303030303030303");
    public static final String LISTENER_PEER_ID = "12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5";
    public static final String DIALER_PEER_ID = "12D3KooWPqT2nMDSiXUSx5D7fasaxhxKigVhcqfkKqrLghCq9jxz";

    /**
     * A transport frame: ciphertext (without the length prefix; only a prefix of it if {@code truncated}), nonce
     * counter, plaintext (always complete).
     */
    public record TransportFrame(byte[] ciphertext, boolean truncated, long nonce, byte[] plaintext) {
    }

    /** One capture file: handshake messages (without length prefixes) and transport frames per direction. */
    public record Capture(byte[] msg1, byte[] msg2, byte[] msg3, byte[] mssPrefixInitiator,
            byte[] mssPrefixResponder, List<TransportFrame> initiatorFrames, List<TransportFrame> responderFrames,
            byte[] initiatorToResponderKey, byte[] responderToInitiatorKey) {
    }

    private CaptureVectors() {
    }

    public static Capture inlinedMuxer() {
        return load("/captures/handshake.txt");
    }

    public static Capture mssMuxer() {
        return load("/captures/handshake-mss-muxer.txt");
    }

    public static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    static Capture load(String resource) {
        String text;
        try (InputStream in = CaptureVectors.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int ir = text.indexOf("DIRECTION I>R");
        int ri = text.indexOf("DIRECTION R>I");
        int dec = text.indexOf("DECRYPTED TRANSPORT STREAM");
        String iToR = text.substring(ir, ri);
        String rToI = text.substring(ri, dec);
        List<byte[]> hsI = handshakeMessages(iToR);
        List<byte[]> hsR = handshakeMessages(rToI);
        Matcher k1 = Pattern.compile("initiator->responder k1 = ([0-9a-f]{64})").matcher(text);
        Matcher k2 = Pattern.compile("responder->initiator k2 = ([0-9a-f]{64})").matcher(text);
        if (!k1.find() || !k2.find()) {
            throw new IllegalStateException("keys not found");
        }
        return new Capture(hsI.get(0), hsR.get(0), hsI.get(1), mssPrefix(iToR), mssPrefix(rToI),
                transportFrames(iToR), transportFrames(rToI), hex(k1.group(1)), hex(k2.group(1)));
    }

    private static byte[] mssPrefix(String section) {
        Matcher m = Pattern.compile("@\\d+ ([0-9a-f]+)   = \"").matcher(section);
        StringBuilder sb = new StringBuilder();
        int count = 0;
        while (m.find() && count < 2) {
            sb.append(m.group(1));
            count++;
        }
        return hex(sb.toString());
    }

    private static List<byte[]> handshakeMessages(String section) {
        List<byte[]> out = new ArrayList<>();
        String[] lines = section.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains("HANDSHAKE msg")) {
                StringBuilder sb = new StringBuilder();
                int j = i + 2; // skip "length prefix:" line
                while (j < lines.length && lines[j].trim().matches("[0-9a-f]+")) {
                    sb.append(lines[j].trim());
                    j++;
                }
                out.add(hex(sb.toString()));
            }
        }
        return out;
    }

    private static List<TransportFrame> transportFrames(String section) {
        List<TransportFrame> out = new ArrayList<>();
        Pattern p = Pattern.compile("ciphertext ([0-9a-f]+)(\\.\\.\\.)?\\n\\s+-> decrypted with k=[0-9a-f]+ nonce=([0-9a-f]{24}) "
                + "\\(ad empty\\) plaintext \\d+ B: ([0-9a-f]+)");
        Matcher m = p.matcher(section);
        while (m.find()) {
            byte[] nonce = hex(m.group(3));
            long n = 0;
            for (int i = 0; i < 8; i++) {
                n |= (long) (nonce[4 + i] & 0xFF) << (8 * i);
            }
            out.add(new TransportFrame(hex(m.group(1)), m.group(2) != null, n, hex(m.group(4))));
        }
        return out;
    }
}
