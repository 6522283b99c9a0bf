package org.elohim.p2p.cli;

import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.multiaddr.Multiaddr;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code p2p ping <multiaddr>}: dial, then {@code /ipfs/ping/1.0.0} round trips, printed like {@code ipfs ping}. */
@Command(name = "ping", mixinStandardHelpOptions = true, description = "Measure round trips to a peer with /ipfs/ping/1.0.0.")
final class PingCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions options;

    @Parameters(index = "0", paramLabel = "MULTIADDR", description = "Peer address, e.g. /ip4/1.2.3.4/tcp/4001/p2p/12D3KooW...")
    String address;

    @Option(names = {"-n", "--count"}, defaultValue = "10", description = "Number of pings (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = {"-i", "--interval"}, defaultValue = "1000", paramLabel = "MILLIS",
            description = "Pause between pings in milliseconds (default: ${DEFAULT-VALUE}).")
    long intervalMillis;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Multiaddr addr = Multiaddr.parse(address);
        try (Host host = options.newHost()) {
            P2pConnection conn;
            try {
                conn = host.dial(addr).get(options.timeoutSeconds, TimeUnit.SECONDS);
            } catch (Exception e) {
                err.println("Error: cannot connect to " + addr + ": " + Cli.reason(e));
                err.flush();
                return 1;
            }
            out.println("PING " + conn.remotePeer().toBase58() + ".");
            out.flush();
            long total = 0;
            int received = 0;
            for (int i = 0; i < count; i++) {
                if (i > 0 && intervalMillis > 0) {
                    Thread.sleep(intervalMillis);
                }
                try {
                    List<Duration> rtt = host.ping(conn.remotePeer(), 1).get(options.timeoutSeconds, TimeUnit.SECONDS);
                    long nanos = rtt.get(0).toNanos();
                    total += nanos;
                    received++;
                    out.printf("Pong received: time=%.2f ms%n", nanos / 1e6);
                } catch (Exception e) {
                    out.println("Ping error: " + Cli.reason(e));
                }
                out.flush();
            }
            if (received == 0) {
                err.println("Error: no pong received");
                err.flush();
                return 1;
            }
            out.printf("Average latency: %.2fms%n", total / 1e6 / received);
            out.flush();
            return 0;
        }
    }
}
