package org.elohim.node.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.NodeAddresses;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Mints a single-use pairing token for a device of {@code --owner}. */
@Command(name = "pair", mixinStandardHelpOptions = true,
        description = "Print a single-use device pairing token for a family member. Works with the node running or stopped.")
final class PairCommand implements Callable<Integer> {
    @Mixin
    DataDirOptions options;

    @Option(names = "--owner", required = true, paramLabel = "NAME", description = "The family member the device belongs to.")
    String owner;

    @Option(names = "--ttl", paramLabel = "MINUTES", defaultValue = "10", description = "Minutes the token stays valid (default ${DEFAULT-VALUE}).")
    long ttlMinutes;

    @Option(names = "--quiet", description = "Print only the token.")
    boolean quiet;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (ttlMinutes < 1 || ttlMinutes > 7 * 24 * 60) throw new CliException(ExitCodes.USAGE, "--ttl must be 1..10080 minutes");
        NodeConfig config = options.load(Map.of());
        try (AdminClient admin = AdminClient.openOrCreate(config)) {
            Map<String, Object> t = admin.pairingToken(owner, Duration.ofMinutes(ttlMinutes));
            // the running node knows where it listens; else the configured address
            @SuppressWarnings("unchecked")
            List<String> addresses = t.get("addresses") instanceof List<?> l && !l.isEmpty() ? (List<String>) l
                    : NodeAddresses.hostPorts(config.grpcBind(), config.grpcPort());
            PrintWriter out = spec.commandLine().getOut();
            if (quiet) {
                out.println(t.get("token"));
            } else {
                out.printf("pairing token for %s: %s%n", owner, t.get("token"));
                out.printf("valid until %s, once.%n", t.get("expiresAt"));
                out.printf("On the device, pair with:%n  address  %s%n", String.join("  or  ", addresses));
                out.printf("  node id  %s%n  token    %s%n", t.get("nodeId"), t.get("token"));
                if (admin.runningPorts().isEmpty()) {
                    out.printf("(no node is running on %s yet: start it with `%s run` before pairing)%n",
                            config.dataDir(), CommandName.get());
                }
            }
            return ExitCodes.OK;
        }
    }
}
