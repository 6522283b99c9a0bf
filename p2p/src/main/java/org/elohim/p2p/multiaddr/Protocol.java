package org.elohim.p2p.multiaddr;

/**
 * Multiaddr protocols from the multicodec table. {@code size} is the value length in bits; {@link #VARIABLE}
 * means a uvarint length prefix precedes the value, 0 means no value.
 */
public enum Protocol {
    IP4(0x04, 32, "ip4"),
    TCP(0x06, 16, "tcp"),
    UDP(0x0111, 16, "udp"),
    IP6(0x29, 128, "ip6"),
    IP6ZONE(0x2a, Protocol.VARIABLE, "ip6zone"),
    DNS(0x35, Protocol.VARIABLE, "dns"),
    DNS4(0x36, Protocol.VARIABLE, "dns4"),
    DNS6(0x37, Protocol.VARIABLE, "dns6"),
    DNSADDR(0x38, Protocol.VARIABLE, "dnsaddr"),
    P2P(0x01a5, Protocol.VARIABLE, "p2p"),
    P2P_CIRCUIT(0x0122, 0, "p2p-circuit"),
    WEBRTC_DIRECT(0x0118, 0, "webrtc-direct"),
    WEBRTC(0x0119, 0, "webrtc"),
    TLS(0x01c0, 0, "tls"),
    SNI(0x01c1, Protocol.VARIABLE, "sni"),
    NOISE(0x01c6, 0, "noise"),
    QUIC(0x01cc, 0, "quic"),
    QUIC_V1(0x01cd, 0, "quic-v1"),
    WEBTRANSPORT(0x01d1, 0, "webtransport"),
    CERTHASH(0x01d2, Protocol.VARIABLE, "certhash"),
    WS(0x01dd, 0, "ws"),
    WSS(0x01de, 0, "wss"),
    HTTP(0x01e0, 0, "http");

    public static final int VARIABLE = -1;

    private final int code;
    private final int sizeBits;
    private final String name;

    Protocol(int code, int sizeBits, String name) {
        this.code = code;
        this.sizeBits = sizeBits;
        this.name = name;
    }

    public int code() {
        return code;
    }

    /** Value size in bits, 0 for none, {@link #VARIABLE} for length-prefixed. */
    public int sizeBits() {
        return sizeBits;
    }

    public boolean hasValue() {
        return sizeBits != 0;
    }

    public String protocolName() {
        return name;
    }

    public static Protocol forCode(long code) {
        for (Protocol p : values()) {
            if (p.code == code) {
                return p;
            }
        }
        throw new MultiaddrException("unknown multiaddr protocol code 0x" + Long.toHexString(code));
    }

    public static Protocol forName(String name) {
        if ("ipfs".equals(name)) {
            return P2P; // legacy alias
        }
        for (Protocol p : values()) {
            if (p.name.equals(name)) {
                return p;
            }
        }
        throw new MultiaddrException("unknown multiaddr protocol '" + name + "'");
    }
}
