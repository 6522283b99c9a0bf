package org.elohim.node.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.elohim.node.config.ConfigException;
import org.elohim.node.config.ConfigLoader;
import org.elohim.node.runtime.NodeStartException;
import org.elohim.node.runtime.NodeVersion;
import org.elohim.p2p.cli.P2pCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code elohim}: the node's command line (the shaded jar's main class). */
@Command(name = "elohim", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "The always-on node that keeps a family's documents: SQLite storage, sync with devices and nodes.",
        subcommands = {InitCommand.class, RunCommand.class, StatusCommand.class, PairCommand.class, DocCommand.class,
                BlobCommand.class, BackupCommand.class, RestoreCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 no node running, 5 bad config, 6 start failed."})
public final class Main implements Runnable {
    static final String P2P_KEY_PROPERTY = "elohim.p2p.key";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // No subcommand: show what there is.
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of main). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCommandName(CommandName.get());
        addP2p(cl);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            PrintWriter err = line.getErr();
            if (ex instanceof CliException c) {
                err.println("error: " + c.getMessage());
                return c.exitCode();
            }
            if (ex instanceof ConfigException) {
                err.println("config error: " + ex.getMessage());
                return ExitCodes.CONFIG;
            }
            if (ex instanceof NodeStartException n) {
                err.println("cannot start: " + ex.getMessage());
                if (!n.suggestedOptions().isEmpty()) {
                    err.println("Start with: " + CommandName.get() + " run " + n.suggestedOptions());
                }
                return ExitCodes.START_FAILED;
            }
            if (ex instanceof org.elohim.node.backup.BackupException) {
                err.println("error: " + ex.getMessage());
                return ExitCodes.FAILURE;
            }
            if (ex instanceof IllegalArgumentException || ex instanceof org.elohim.node.docs.DocumentRejected) {
                err.println("error: " + ex.getMessage());
                return ExitCodes.USAGE;
            }
            err.println("error: " + ex);
            ex.printStackTrace(err);
            return ExitCodes.FAILURE;
        });
        return cl;
    }

    /**
     * The libp2p tools of the p2p module; {@code p2p id/ping/...} speak as this node (its
     * {@code node.key} in the default data directory) when one exists.
     */
    private static void addP2p(CommandLine cl) {
        if (System.getProperty(P2P_KEY_PROPERTY) == null) {
            Path key = ConfigLoader.dataDir(null, System.getenv()).resolve("node.key");
            if (Files.isRegularFile(key)) System.setProperty(P2P_KEY_PROPERTY, key.toString());
        }
        cl.addSubcommand(new P2pCommand());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"elohim-node " + NodeVersion.get(),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
