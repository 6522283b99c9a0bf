package org.elohim.p2p.cli;

import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code p2p id}: this node's peer id, public key and listen addresses. */
@Command(name = "id", mixinStandardHelpOptions = true, description = "Print the peer id and listen addresses.")
final class IdCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions options;

    @Option(names = "--listen", paramLabel = "MULTIADDR",
            defaultValue = "/ip4/0.0.0.0/tcp/4001,/ip6/::/tcp/4001", split = ",",
            description = "Listen addresses to show (default: ${DEFAULT-VALUE}).")
    List<String> listen;

    @Override
    public Integer call() throws Exception {
        IdentityKey key = options.identity();
        PrintWriter out = spec.commandLine().getOut();
        out.println("{");
        out.println("  \"ID\": \"" + key.peerId().toBase58() + "\",");
        out.println("  \"PublicKey\": \"" + Base64.getEncoder().encodeToString(key.marshalPublicKey()) + "\",");
        out.println("  \"Addresses\": [");
        for (int i = 0; i < listen.size(); i++) {
            Multiaddr a = Multiaddr.parse(listen.get(i)).withPeerId(key.peerId());
            out.println("    \"" + a + "\"" + (i + 1 < listen.size() ? "," : ""));
        }
        out.println("  ]");
        out.println("}");
        out.flush();
        return 0;
    }
}
