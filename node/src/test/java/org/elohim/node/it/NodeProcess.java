package org.elohim.node.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.elohim.node.runtime.NodeFiles;
import org.elohim.node.runtime.PortsFile;

/**
 * A node running as a real child JVM ({@code elohim-node run} on the test classpath), on
 * 127.0.0.1 and ephemeral ports, found through the ports.json it writes. Output goes to a log
 * file beside the data directory.
 */
final class NodeProcess implements AutoCloseable {
    private final Process process;
    private final PortsFile.Contents ports;
    private final Path log;

    private NodeProcess(Process process, PortsFile.Contents ports, Path log) {
        this.process = process;
        this.ports = ports;
        this.log = log;
    }

    static NodeProcess start(Path dataDir, Path log) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", cp,
                "org.elohim.node.cli.Main", "run", "--data-dir", dataDir.toString(), "--bind", "127.0.0.1",
                "--http-port", "0", "--grpc-port", "0", "--setting", "p2p.enabled=false"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        Path portsFile = new NodeFiles(dataDir).ports();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            Optional<PortsFile.Contents> c = PortsFile.read(portsFile);
            if (c.isPresent() && c.get().pid() == p.pid()) return new NodeProcess(p, c.get(), log);
            if (!p.isAlive()) break;
            Thread.sleep(50);
        }
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException("node did not start; log:\n" + Files.readString(log));
    }

    int grpcPort() {
        return ports.ports().grpc();
    }

    int httpPort() {
        return ports.ports().http();
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL on Linux: no shutdown hook, no flush, no checkpoint. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException("node survived SIGKILL");
    }

    /** SIGTERM: the node's shutdown hook closes everything; returns the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("node did not stop on SIGTERM");
        }
        return process.exitValue();
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
}
