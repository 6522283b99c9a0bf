package org.elohim.p2p.noise;

import java.util.ArrayList;
import java.util.List;
import org.elohim.p2p.codec.ProtobufReader;
import org.elohim.p2p.codec.ProtobufWriter;

/** {@code NoiseExtensions{repeated bytes webtransport_certhashes = 1; repeated string stream_muxers = 2;}}. */
public record NoiseExtensions(List<byte[]> webtransportCerthashes, List<String> streamMuxers) {
    public static final int MAX_ENTRIES = 32;
    public static final int MAX_ENTRY_LENGTH = 1024;

    public NoiseExtensions {
        webtransportCerthashes = webtransportCerthashes.stream().map(byte[]::clone).toList();
        streamMuxers = List.copyOf(streamMuxers);
    }

    public static NoiseExtensions ofMuxers(List<String> muxers) {
        return new NoiseExtensions(List.of(), muxers);
    }

    public byte[] encode() {
        ProtobufWriter w = new ProtobufWriter();
        for (byte[] h : webtransportCerthashes) {
            w.bytes(1, h);
        }
        for (String m : streamMuxers) {
            w.string(2, m);
        }
        return w.toByteArray();
    }

    /** @throws org.elohim.p2p.codec.MalformedFrameException on malformed input or more than the limits */
    static NoiseExtensions decode(byte[] bytes) {
        List<byte[]> hashes = new ArrayList<>();
        List<String> muxers = new ArrayList<>();
        ProtobufReader r = new ProtobufReader(bytes);
        while (r.hasMore()) {
            switch (r.readTag()) {
                case 1 -> hashes.add(limited(r.readBytes()));
                case 2 -> {
                    String m = r.readString();
                    limited(m.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    muxers.add(m);
                }
                default -> r.skip();
            }
            if (hashes.size() + muxers.size() > MAX_ENTRIES) {
                throw new NoiseHandshakeException("too many Noise extension entries");
            }
        }
        return new NoiseExtensions(hashes, muxers);
    }

    private static byte[] limited(byte[] b) {
        if (b.length > MAX_ENTRY_LENGTH) {
            throw new NoiseHandshakeException("Noise extension entry too long");
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof NoiseExtensions other) || !other.streamMuxers.equals(streamMuxers)
                || other.webtransportCerthashes.size() != webtransportCerthashes.size()) {
            return false;
        }
        for (int i = 0; i < webtransportCerthashes.size(); i++) {
            if (!java.util.Arrays.equals(other.webtransportCerthashes.get(i), webtransportCerthashes.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = streamMuxers.hashCode();
        for (byte[] b : webtransportCerthashes) {
            h = 31 * h + java.util.Arrays.hashCode(b);
        }
        return h;
    }
}
