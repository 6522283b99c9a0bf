package org.elohim.p2p.cli;

import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.perf.PerfService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** {@code p2p perf <multiaddr>}: one {@code /perf/1.0.0} run; prints a JSON result line like the libp2p perf tools. */
@Command(name = "perf", mixinStandardHelpOptions = true, description = "Measure throughput to a peer with /perf/1.0.0.")
final class PerfCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HostOptions options;

    @Parameters(index = "0", paramLabel = "MULTIADDR", description = "Peer address, e.g. /ip4/1.2.3.4/tcp/4001/p2p/12D3KooW...")
    String address;

    @Option(names = "--upload", defaultValue = "0", paramLabel = "BYTES", description = "Bytes to send, e.g. 100MiB (default: ${DEFAULT-VALUE}).")
    String upload;

    @Option(names = "--download", defaultValue = "0", paramLabel = "BYTES", description = "Bytes to receive, e.g. 100MiB (default: ${DEFAULT-VALUE}).")
    String download;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long up = Cli.parseSize(upload);
        long down = Cli.parseSize(download);
        Multiaddr addr = Multiaddr.parse(address);
        try (Host host = options.newHost()) {
            try {
                long t0 = System.nanoTime();
                P2pConnection conn = host.dial(addr).get(options.timeoutSeconds, TimeUnit.SECONDS);
                long connectNanos = System.nanoTime() - t0;
                PerfService.Result r = host.perf(conn.remotePeer(), up, down).get(options.timeoutSeconds, TimeUnit.SECONDS);
                out.println(String.format(Locale.ROOT,
                        "{\"type\":\"final\",\"timeSeconds\":%.6f,\"uploadBytes\":%d,\"downloadBytes\":%d,\"connectSeconds\":%.6f}",
                        r.totalNanos() / 1e9, r.uploaded(), r.downloaded(), connectNanos / 1e9));
                out.println(String.format(Locale.ROOT, "upload %s in %.3f s (%.1f Mbit/s), download %s in %.3f s (%.1f Mbit/s)",
                        up, r.uploadNanos() / 1e9, r.uploadBitsPerSecond() / 1e6,
                        down, (r.totalNanos() - r.uploadNanos()) / 1e9, r.downloadBitsPerSecond() / 1e6));
                out.flush();
                return 0;
            } catch (Exception e) {
                err.println("Error: " + Cli.reason(e));
                err.flush();
                return 1;
            }
        }
    }
}
