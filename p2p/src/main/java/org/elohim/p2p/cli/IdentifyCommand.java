package org.elohim.p2p.cli;

import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.identify.IdentifyMessage;
import org.elohim.p2p.multiaddr.Multiaddr;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code p2p identify <multiaddr>}: dial and print the peer's identify answer, in the shape of {@code ipfs id}. */
@Command(name = "identify", mixinStandardHelpOptions = true, description = "Print what a peer says about itself (/ipfs/id/1.0.0).")
final class IdentifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions options;

    @Parameters(index = "0", paramLabel = "MULTIADDR", description = "Peer address, e.g. /ip4/1.2.3.4/tcp/4001/p2p/12D3KooW...")
    String address;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Multiaddr addr = Multiaddr.parse(address);
        try (Host host = options.newHost()) {
            P2pConnection conn;
            IdentifyMessage m;
            try {
                conn = host.dial(addr).get(options.timeoutSeconds, TimeUnit.SECONDS);
                m = conn.identified().get(options.timeoutSeconds, TimeUnit.SECONDS);
            } catch (Exception e) {
                err.println("Error: " + Cli.reason(e));
                err.flush();
                return 1;
            }
            out.println("{");
            out.println("  \"ID\": " + json(conn.remotePeer().toBase58()) + ",");
            out.println("  \"PublicKey\": " + json(m.publicKey().map(k -> Base64.getEncoder().encodeToString(k)).orElse("")) + ",");
            out.println("  \"Addresses\": " + array(m.listenAddrs().stream().map(a -> a.withPeerId(conn.remotePeer()).toString()).toList()) + ",");
            out.println("  \"AgentVersion\": " + json(m.agentVersion().orElse("")) + ",");
            out.println("  \"ProtocolVersion\": " + json(m.protocolVersion().orElse("")) + ",");
            out.println("  \"Protocols\": " + array(m.protocols()) + ",");
            out.println("  \"ObservedAddr\": " + json(m.observedAddr().map(Multiaddr::toString).orElse("")));
            out.println("}");
            out.flush();
            return 0;
        }
    }

    private static String array(List<String> items) {
        if (items.isEmpty()) {
            return "[]";
        }
        StringBuilder b = new StringBuilder("[\n");
        for (int i = 0; i < items.size(); i++) {
            b.append("    ").append(json(items.get(i))).append(i + 1 < items.size() ? ",\n" : "\n");
        }
        return b.append("  ]").toString();
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
