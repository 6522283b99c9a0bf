package org.elohim.p2p.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code p2p}: libp2p tools usable against any libp2p peer. Registered as a subcommand of the node's CLI;
 * returns exit codes, never exits the JVM.
 */
@Command(name = "p2p", mixinStandardHelpOptions = true,
        description = "libp2p tools: show this node's identity, ping, identify or measure a peer.",
        subcommands = {IdCommand.class, PingCommand.class, IdentifyCommand.class, PerfCommand.class})
public final class P2pCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return CommandLine.ExitCode.USAGE;
    }
}
