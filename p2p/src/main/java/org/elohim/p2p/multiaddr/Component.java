package org.elohim.p2p.multiaddr;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.elohim.p2p.codec.P2pProtocolException;
import org.elohim.p2p.peer.Base32;
import org.elohim.p2p.peer.Base58;
import org.elohim.p2p.peer.PeerId;

/** One {@code /protocol/value} step of a multiaddr; {@code value} is the binary form (empty if none). */
public record Component(Protocol protocol, byte[] value) {
    static final int MAX_STRING_VALUE = 255;

    public Component {
        if (protocol == null || value == null) {
            throw new MultiaddrException("component needs protocol and value");
        }
        value = value.clone();
        validateBinary(protocol, value);
    }

    public static Component of(Protocol protocol) {
        return new Component(protocol, new byte[0]);
    }

    /** Builds a component from the text form of its value. */
    public static Component parse(Protocol protocol, String text) {
        return new Component(protocol, textToBytes(protocol, text));
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    /** The value in text form, "" if the protocol takes none. */
    public String valueText() {
        return switch (protocol) {
            case IP4 -> IpText.formatIp4(value);
            case IP6 -> IpText.formatIp6(value);
            case TCP, UDP -> Integer.toString(((value[0] & 0xFF) << 8) | (value[1] & 0xFF));
            case DNS, DNS4, DNS6, DNSADDR, SNI, IP6ZONE -> new String(value, StandardCharsets.UTF_8);
            case P2P -> PeerId.fromBytes(value).toBase58();
            case CERTHASH -> "u" + Base64.getUrlEncoder().withoutPadding().encodeToString(value);
            default -> "";
        };
    }

    public int port() {
        if (protocol != Protocol.TCP && protocol != Protocol.UDP) {
            throw new MultiaddrException(protocol.protocolName() + " has no port");
        }
        return ((value[0] & 0xFF) << 8) | (value[1] & 0xFF);
    }

    @Override
    public String toString() {
        return protocol.hasValue() ? "/" + protocol.protocolName() + "/" + valueText() : "/" + protocol.protocolName();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Component c && c.protocol == protocol && Arrays.equals(c.value, value);
    }

    @Override
    public int hashCode() {
        return protocol.hashCode() * 31 + Arrays.hashCode(value);
    }

    static byte[] textToBytes(Protocol p, String text) {
        switch (p) {
            case IP4:
                return IpText.parseIp4(text);
            case IP6:
                return IpText.parseIp6(text);
            case TCP:
            case UDP: {
                if (text.isEmpty() || text.length() > 5 || (text.length() > 1 && text.charAt(0) == '0')) {
                    throw new MultiaddrException("invalid port '" + text + "'");
                }
                int port = 0;
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    if (c < '0' || c > '9') {
                        throw new MultiaddrException("invalid port '" + text + "'");
                    }
                    port = port * 10 + (c - '0');
                }
                if (port > 65535) {
                    throw new MultiaddrException("port out of range '" + text + "'");
                }
                return new byte[] {(byte) (port >> 8), (byte) port};
            }
            case DNS:
            case DNS4:
            case DNS6:
            case DNSADDR:
            case SNI:
            case IP6ZONE:
                return text.getBytes(StandardCharsets.UTF_8);
            case P2P:
                try {
                    return PeerId.parse(text).bytes();
                } catch (P2pProtocolException e) {
                    throw new MultiaddrException("invalid /p2p/ value: " + e.getMessage(), e);
                }
            case CERTHASH:
                return decodeMultibase(text);
            default:
                if (!text.isEmpty()) {
                    throw new MultiaddrException(p.protocolName() + " takes no value");
                }
                return new byte[0];
        }
    }

    private static byte[] decodeMultibase(String text) {
        if (text.length() < 2) {
            throw new MultiaddrException("empty multibase value");
        }
        String body = text.substring(1);
        try {
            return switch (text.charAt(0)) {
                case 'u' -> Base64.getUrlDecoder().decode(body);
                case 'm' -> Base64.getDecoder().decode(body);
                case 'b', 'B' -> Base32.decode(body);
                case 'z' -> Base58.decode(body);
                case 'f' -> HexFormat.of().parseHex(body);
                default -> throw new MultiaddrException("unsupported multibase prefix '" + text.charAt(0) + "'");
            };
        } catch (IllegalArgumentException e) {
            throw new MultiaddrException("invalid multibase value: " + e.getMessage(), e);
        }
    }

    private static void validateBinary(Protocol p, byte[] v) {
        int bits = p.sizeBits();
        if (bits > 0) {
            if (v.length * 8 != bits) {
                throw new MultiaddrException(p.protocolName() + " value must be " + bits / 8 + " bytes");
            }
            return;
        }
        if (bits == 0) {
            if (v.length != 0) {
                throw new MultiaddrException(p.protocolName() + " takes no value");
            }
            return;
        }
        if (v.length == 0) {
            throw new MultiaddrException(p.protocolName() + " value must not be empty");
        }
        switch (p) {
            case DNS, DNS4, DNS6, DNSADDR, SNI, IP6ZONE -> {
                if (v.length > MAX_STRING_VALUE) {
                    throw new MultiaddrException(p.protocolName() + " value longer than " + MAX_STRING_VALUE);
                }
                String s = strictUtf8(v, p);
                if (s.indexOf('/') >= 0) {
                    throw new MultiaddrException(p.protocolName() + " value must not contain '/'");
                }
            }
            case P2P -> {
                try {
                    PeerId.fromBytes(v);
                } catch (P2pProtocolException e) {
                    throw new MultiaddrException("invalid /p2p/ value: " + e.getMessage(), e);
                }
            }
            default -> {
            }
        }
    }

    private static String strictUtf8(byte[] v, Protocol p) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(v)).toString();
        } catch (CharacterCodingException e) {
            throw new MultiaddrException(p.protocolName() + " value is not valid UTF-8", e);
        }
    }
}
