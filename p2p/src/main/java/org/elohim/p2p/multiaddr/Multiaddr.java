package org.elohim.p2p.multiaddr;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.Uvarint;
import org.elohim.p2p.peer.PeerId;

/** A multiaddr: an immutable list of {@link Component}s with canonical text and binary forms. */
public final class Multiaddr {
    /** Longest binary multiaddr accepted. */
    public static final int MAX_BYTES = 1024;
    /** Longest text multiaddr accepted. */
    public static final int MAX_TEXT_LENGTH = 2048;

    private final List<Component> components;
    private final byte[] bytes;

    private Multiaddr(List<Component> components) {
        this.components = List.copyOf(components);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Component c : this.components) {
            out.writeBytes(Uvarint.encode(c.protocol().code()));
            byte[] v = c.value();
            if (c.protocol().sizeBits() == Protocol.VARIABLE) {
                out.writeBytes(Uvarint.encode(v.length));
            }
            out.writeBytes(v);
        }
        this.bytes = out.toByteArray();
        if (bytes.length > MAX_BYTES) {
            throw new MultiaddrException("multiaddr longer than " + MAX_BYTES + " bytes");
        }
    }

    public static Multiaddr of(List<Component> components) {
        if (components == null || components.stream().anyMatch(java.util.Objects::isNull)) {
            throw new MultiaddrException("components must not be null");
        }
        return new Multiaddr(components);
    }

    /** Parses the text form, e.g. {@code /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...}. */
    public static Multiaddr parse(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_TEXT_LENGTH) {
            throw new MultiaddrException("multiaddr text must be 1.." + MAX_TEXT_LENGTH + " characters");
        }
        if (text.charAt(0) != '/') {
            throw new MultiaddrException("multiaddr must start with '/'");
        }
        String trimmed = text.length() > 1 && text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        String[] parts = trimmed.substring(1).split("/", -1);
        List<Component> comps = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                throw new MultiaddrException("empty protocol name in '" + text + "'");
            }
            Protocol p = Protocol.forName(parts[i]);
            if (!p.hasValue()) {
                comps.add(Component.of(p));
                continue;
            }
            if (++i >= parts.length) {
                throw new MultiaddrException(p.protocolName() + " requires a value");
            }
            comps.add(Component.parse(p, parts[i]));
        }
        return new Multiaddr(comps);
    }

    /** Parses the binary form. */
    public static Multiaddr fromBytes(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || bytes.length > MAX_BYTES) {
            throw new MultiaddrException("binary multiaddr must be 1.." + MAX_BYTES + " bytes");
        }
        List<Component> comps = new ArrayList<>();
        int pos = 0;
        try {
            while (pos < bytes.length) {
                Uvarint.Decoded code = Uvarint.decode(bytes, pos);
                pos += code.length();
                Protocol p = Protocol.forCode(code.value());
                int len;
                if (p.sizeBits() == Protocol.VARIABLE) {
                    Uvarint.Decoded l = Uvarint.decode(bytes, pos);
                    pos += l.length();
                    if (l.value() > bytes.length - pos) {
                        throw new MultiaddrException("truncated " + p.protocolName() + " value");
                    }
                    len = (int) l.value();
                } else {
                    len = p.sizeBits() / 8;
                    if (len > bytes.length - pos) {
                        throw new MultiaddrException("truncated " + p.protocolName() + " value");
                    }
                }
                comps.add(new Component(p, Arrays.copyOfRange(bytes, pos, pos + len)));
                pos += len;
            }
        } catch (MalformedFrameException e) {
            throw new MultiaddrException("malformed binary multiaddr: " + e.getMessage(), e);
        }
        return new Multiaddr(comps);
    }

    /** {@code /ip4|ip6/<addr>/tcp/<port>} for a resolved socket address. */
    public static Multiaddr fromInetSocketAddress(InetSocketAddress address) {
        return fromInetSocketAddress(address, Protocol.TCP);
    }

    /** {@code /ip4|ip6|dns/<addr>/tcp|udp/<port>}; unresolved addresses become {@code /dns/<host>}. */
    public static Multiaddr fromInetSocketAddress(InetSocketAddress address, Protocol transport) {
        if (transport != Protocol.TCP && transport != Protocol.UDP) {
            throw new IllegalArgumentException("transport must be tcp or udp");
        }
        InetAddress ip = address.getAddress();
        Component host;
        if (ip instanceof Inet4Address) {
            host = new Component(Protocol.IP4, ip.getAddress());
        } else if (ip instanceof Inet6Address) {
            host = new Component(Protocol.IP6, ip.getAddress());
        } else {
            host = Component.parse(Protocol.DNS, address.getHostString());
        }
        int port = address.getPort();
        return new Multiaddr(List.of(host, new Component(transport, new byte[] {(byte) (port >> 8), (byte) port})));
    }

    public List<Component> components() {
        return components;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public boolean has(Protocol p) {
        return components.stream().anyMatch(c -> c.protocol() == p);
    }

    /** First component of the given protocol. */
    public Optional<Component> first(Protocol p) {
        return components.stream().filter(c -> c.protocol() == p).findFirst();
    }

    /**
     * The socket address of a {@code /ip4|ip6|dns|dns4|dns6/<host>/tcp|udp/<port>} prefix. DNS names are returned
     * unresolved ({@link InetSocketAddress#createUnresolved}); resolving is the caller's choice.
     */
    public InetSocketAddress toInetSocketAddress() {
        if (components.size() < 2) {
            throw new MultiaddrException("not a host/port multiaddr: " + this);
        }
        Component host = components.get(0);
        Component transport = components.get(1);
        if (transport.protocol() != Protocol.TCP && transport.protocol() != Protocol.UDP) {
            throw new MultiaddrException("second component must be tcp or udp: " + this);
        }
        int port = transport.port();
        try {
            return switch (host.protocol()) {
                case IP4, IP6 -> new InetSocketAddress(InetAddress.getByAddress(host.value()), port);
                case DNS, DNS4, DNS6 -> InetSocketAddress.createUnresolved(host.valueText(), port);
                default -> throw new MultiaddrException("first component must be ip4, ip6 or dns: " + this);
            };
        } catch (UnknownHostException e) {
            throw new MultiaddrException("bad address: " + e.getMessage(), e);
        }
    }

    /** The peer id of the last {@code /p2p/} component, if any. */
    public Optional<PeerId> peerId() {
        for (int i = components.size() - 1; i >= 0; i--) {
            if (components.get(i).protocol() == Protocol.P2P) {
                return Optional.of(PeerId.fromBytes(components.get(i).value()));
            }
        }
        return Optional.empty();
    }

    /** Appends {@code /p2p/<id>}; unchanged if it already ends with that id, error if it ends with another. */
    public Multiaddr withPeerId(PeerId peer) {
        if (!components.isEmpty() && components.get(components.size() - 1).protocol() == Protocol.P2P) {
            PeerId existing = PeerId.fromBytes(components.get(components.size() - 1).value());
            if (existing.equals(peer)) {
                return this;
            }
            throw new MultiaddrException("multiaddr already names peer " + existing);
        }
        return encapsulate(new Component(Protocol.P2P, peer.bytes()));
    }

    /** This multiaddr without a trailing {@code /p2p/<id>}. */
    public Multiaddr withoutPeerId() {
        if (!components.isEmpty() && components.get(components.size() - 1).protocol() == Protocol.P2P) {
            return new Multiaddr(components.subList(0, components.size() - 1));
        }
        return this;
    }

    public Multiaddr encapsulate(Component c) {
        List<Component> list = new ArrayList<>(components);
        list.add(c);
        return new Multiaddr(list);
    }

    public Multiaddr encapsulate(Multiaddr other) {
        List<Component> list = new ArrayList<>(components);
        list.addAll(other.components);
        return new Multiaddr(list);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Component c : components) {
            sb.append(c);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Multiaddr m && Arrays.equals(m.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
