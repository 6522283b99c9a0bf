package org.elohim.node.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.ElohimNodeRuntime;
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
        if (!Files.exists(files.config()) || !Files.exists(files.identityKey())) {
            String id = InitCommand.initialize(options.dataDir(), options.settings);
            spec.commandLine().getErr().println("initialized " + options.dataDir().toAbsolutePath() + " (node id " + id + ")");
        }
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
        ElohimNodeRuntime node = ElohimNodeRuntime.start(config).withShutdownHook();
        spec.commandLine().getOut().printf("elohim-node running: node id %s, HTTP %s:%d, gRPC %s:%d, data %s%n",
                node.nodeId(), config.httpBind(), node.ports().http(), config.grpcBind(), node.ports().grpc(),
                config.dataDir().toAbsolutePath());
        spec.commandLine().getOut().flush();
        node.awaitStop();
        return ExitCodes.OK;
    }

    private static void setLogLevel(String level) {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(Level.toLevel(level, Level.INFO));
        }
    }
}
