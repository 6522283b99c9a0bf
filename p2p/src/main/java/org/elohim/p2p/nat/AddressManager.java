package org.elohim.p2p.nat;

import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.HostListener;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.identify.IdentifyMessage;
import org.elohim.p2p.multiaddr.Component;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.multiaddr.Protocol;
import org.elohim.p2p.transport.TcpTransport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The host's view of its own addresses: observed addresses from identify (candidates, used for hole punching),
 * advertised only once AutoNAT confirmed them, and the reachability that follows. Observations arrive over direct
 * connections only (over a relay the observed address is the relay's view of the relay).
 */
public final class AddressManager implements HostListener {

    private final Host host;
    private final Clock clock;
    private final ObservedAddresses observed;

    private AddressManager(Host host, Clock clock) {
        this.host = host;
        this.clock = clock;
        this.observed = new ObservedAddresses(30 * 60_000L);
    }

    public static AddressManager start(Host host, Clock clock) {
        AddressManager m = new AddressManager(host, clock);
        host.addListener(m);
        host.addAddressSource(m::confirmed);
        return m;
    }

    @Override
    public void identified(P2pConnection connection, IdentifyMessage message) {
        if (connection.isRelayed() || message.observedAddr().isEmpty()) {
            return;
        }
        Multiaddr addr = message.observedAddr().get().withoutPeerId();
        if (!TcpTransport.canHandle(addr) || addr.has(Protocol.P2P_CIRCUIT)) {
            return;
        }
        long now = clock.millis();
        observed.observed(addr, connection.remotePeer(), now);
        // A NAT that keeps source ports maps our listen port to the same port: a good guess, to be verified.
        int listenPort = listenPort();
        try {
            InetSocketAddress sa = addr.toInetSocketAddress();
            if (listenPort > 0 && sa.getPort() != listenPort && sa.getAddress() != null) {
                observed.observed(Multiaddr.fromInetSocketAddress(new InetSocketAddress(sa.getAddress(), listenPort)),
                        connection.remotePeer(), now);
            }
        } catch (RuntimeException e) {
            // not an IP address
        }
    }

    private int listenPort() {
        for (Multiaddr m : host.listenAddresses()) {
            if (TcpTransport.canHandle(m)) {
                return m.components().get(1).port();
            }
        }
        return -1;
    }

    /** Addresses to offer for hole punching: observed candidates, then our public listen addresses. */
    public List<Multiaddr> punchAddresses() {
        List<Multiaddr> out = new ArrayList<>(observed.candidates(clock.millis()));
        for (Multiaddr m : host.advertisedAddresses()) {
            if (!m.has(Protocol.P2P_CIRCUIT) && !out.contains(m) && isPublicIp(m)) {
                out.add(m);
            }
        }
        return out.size() > 16 ? List.copyOf(out.subList(0, 16)) : out;
    }

    public List<Multiaddr> candidates() {
        return observed.candidates(clock.millis());
    }

    public List<Multiaddr> untested() {
        return observed.untested(clock.millis());
    }

    public List<Multiaddr> confirmed() {
        return observed.confirmed(clock.millis());
    }

    /** Records an AutoNAT verdict; a newly confirmed address is pushed to peers. */
    public void autonatResult(Multiaddr addr, boolean reachable) {
        boolean before = confirmed().contains(addr);
        observed.confirm(addr, reachable, clock.millis());
        host.setReachability(observed.reachability(clock.millis()));
        if (before != confirmed().contains(addr)) {
            host.addressesChanged();
        }
    }

    /** Loopback, link-local, private (RFC 1918) and unique-local addresses are not public. */
    public static boolean isPublicIp(Multiaddr m) {
        List<Component> c = m.components();
        if (c.isEmpty() || (c.get(0).protocol() != Protocol.IP4 && c.get(0).protocol() != Protocol.IP6)) {
            return false;
        }
        try {
            InetAddress a = InetAddress.getByAddress(c.get(0).value());
            byte[] b = a.getAddress();
            boolean uniqueLocal = b.length == 16 && (b[0] & 0xFE) == 0xFC;
            boolean cgnat = b.length == 4 && (b[0] & 0xFF) == 100 && (b[1] & 0xC0) == 64;
            return !(a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isAnyLocalAddress()
                    || a.isMulticastAddress() || uniqueLocal || cgnat);
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
