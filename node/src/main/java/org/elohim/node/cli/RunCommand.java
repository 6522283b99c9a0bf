package org.elohim.node.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.DataDirLock;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.elohim.node.runtime.NodeAddresses;
import org.elohim.node.runtime.NodeFiles;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the node in the foreground until SIGTERM/Ctrl-C. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the node in the foreground (initializes the data directory if needed). Stop with Ctrl-C or SIGTERM.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    DataDirOptions options;

    @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port (0 = any free port).")
    Integer httpPort;

    @Option(names = "--grpc-port", paramLabel = "PORT", description = "gRPC port (0 = any free port).")
    Integer grpcPort;

    @Option(names = "--p2p-port", paramLabel = "PORT", description = "libp2p port (0 = any free port).")
    Integer p2pPort;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Listen on this address for HTTP, gRPC and libp2p.")
    String bind;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        NodeFiles files = new NodeFiles(options.dataDir());
        // The lock first, as a node: a command typed right after `run &` then waits for this node
        // instead of taking the directory while it initializes.
        DataDirLock lock = DataDirLock.acquireForNode(files, ElohimNodeRuntime.LOCK_PATIENCE);
        ElohimNodeRuntime node;
        try {
            if (!InitCommand.isInitialized(options.dataDir())) {
                String id = InitCommand.initializeLocked(options.dataDir(), options.settings);
                spec.commandLine().getErr().println("initialized " + options.dataDir().toAbsolutePath() + " (node id " + id + ")");
            }
            node = start(lock);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
        spec.commandLine().getOut().print(banner(node));
        spec.commandLine().getOut().flush();
        node.awaitStop();
        return ExitCodes.OK;
    }

    private ElohimNodeRuntime start(DataDirLock lock) {
        Map<String, String> flags = new LinkedHashMap<>();
        if (httpPort != null) flags.put("http.port", httpPort.toString());
        if (grpcPort != null) flags.put("grpc.port", grpcPort.toString());
        if (p2pPort != null) flags.put("p2p.port", p2pPort.toString());
        if (bind != null) {
            flags.put("http.bind", bind);
            flags.put("grpc.bind", bind);
            flags.put("p2p.bind", bind);
        }
        NodeConfig config = options.load(flags);
        setLogLevel(config.logLevel());
        return ElohimNodeRuntime.builder(config).heldLock(lock).start().withShutdownHook();
    }

    /** What a newcomer needs after start: addresses others can dial (never 0.0.0.0) and what to do next. */
    static String banner(ElohimNodeRuntime node) {
        NodeConfig c = node.config();
        StringBuilder sb = new StringBuilder();
        sb.append("\nelohim node ").append(node.nodeId()).append(" is running (data ")
                .append(c.dataDir().toAbsolutePath()).append(")\n");
        List<String> http = NodeAddresses.hostPorts(c.httpBind(), node.ports().http());
        sb.append(String.format("  %-16s %s%n", "web / HTTP API", "http://" + http.get(0) + "/"));
        for (String h : http.subList(1, http.size())) sb.append(String.format("  %-16s %s%n", "", "http://" + h + "/"));
        List<String> grpc = NodeAddresses.hostPorts(c.grpcBind(), node.ports().grpc());
        sb.append(String.format("  %-16s %s%n", "devices (gRPC)", String.join("  ", grpc)));
        if (node.p2pHost().isPresent()) {
            List<String> addrs = NodeAddresses.p2pMultiaddrs(c.p2pBind(), node.ports().p2p(), node.nodeId());
            for (int i = 0; i < addrs.size(); i++) {
                sb.append(String.format("  %-16s %s%n", i == 0 ? "libp2p" : "", addrs.get(i)));
            }
        }
        String cmd = CommandName.get();
        sb.append("Next: pair a phone or laptop: run `").append(cmd).append(" pair --owner <name>` in another terminal")
                .append(" and give the device the token and the device address above.\n")
                .append("Check on the node with `").append(cmd).append(" status`; stop it with Ctrl-C.\n");
        return sb.toString();
    }

    private static void setLogLevel(String level) {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(Level.toLevel(level, Level.INFO));
        }
    }
}
