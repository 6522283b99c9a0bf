package org.elohim.node.runtime;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The addresses other machines can dial for a listener: its bind address, or — when it listens on
 * every interface (0.0.0.0 / ::) — this machine's LAN addresses (IPv4, up, not loopback), site-local
 * (192.168/10/172.16) first. Never 0.0.0.0, which nobody can dial.
 */
public final class NodeAddresses {
    private NodeAddresses() {
    }

    /** Hosts to dial for a listener bound to {@code bind}; loopback only when there is nothing else. */
    public static List<String> dialableHosts(String bind) {
        InetAddress a;
        try {
            a = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            return List.of(bind);
        }
        if (!a.isAnyLocalAddress()) return List.of(a.getHostAddress());
        List<InetAddress> found = lanAddresses();
        if (found.isEmpty()) return List.of("127.0.0.1");
        return found.stream().map(InetAddress::getHostAddress).toList();
    }

    /** {@code /ip4/<host>/tcp/<port>/p2p/<id>} for every dialable host (ip6 for IPv6 binds). */
    public static List<String> p2pMultiaddrs(String bind, int port, String nodeId) {
        List<String> out = new ArrayList<>();
        for (String h : dialableHosts(bind)) {
            out.add((h.contains(":") ? "/ip6/" : "/ip4/") + h + "/tcp/" + port + "/p2p/" + nodeId);
        }
        return out;
    }

    /** {@code host:port} (brackets around IPv6) for every dialable host. */
    public static List<String> hostPorts(String bind, int port) {
        return dialableHosts(bind).stream().map(h -> (h.contains(":") ? "[" + h + "]" : h) + ":" + port).toList();
    }

    private static List<InetAddress> lanAddresses() {
        List<InetAddress> siteLocal = new ArrayList<>();
        List<InetAddress> other = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp() || ni.isLoopback()) continue;
                for (InetAddress ia : Collections.list(ni.getInetAddresses())) {
                    if (!(ia instanceof Inet4Address) || ia.isLoopbackAddress() || ia.isLinkLocalAddress()) continue;
                    (ia.isSiteLocalAddress() ? siteLocal : other).add(ia);
                }
            }
        } catch (SocketException e) {
            return List.of();
        }
        siteLocal.addAll(other);
        return siteLocal;
    }
}
