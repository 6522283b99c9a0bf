package org.elohim.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.NodeFiles;
import org.elohim.node.runtime.NodeStorage;
import org.elohim.node.runtime.PortsFile;

/**
 * A node in its own JVM ({@code elohim-node run} on the test classpath, {@code -Xmx256m}), so
 * its memory can be measured from the process: VmRSS in /proc, sampled while a test runs.
 */
final class ChildNode implements AutoCloseable {
    private final Process process;
    private final PortsFile.Contents ports;
    private final AtomicLong peakRssKib = new AtomicLong();
    private final Thread sampler;
    private volatile boolean sampling = true;

    private ChildNode(Process process, PortsFile.Contents ports) {
        this.process = process;
        this.ports = ports;
        this.sampler = new Thread(() -> {
            while (sampling && process.isAlive()) {
                rssKib().ifPresent(v -> peakRssKib.accumulateAndGet(v, Math::max));
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Creates a pairing token for {@code owner} in the data directory, before the node holds it. */
    static String token(Path dataDir, String owner) {
        try (NodeStorage s = NodeStorage.open(NodeConfig.ephemeral(dataDir), null)) {
            return s.pairing().createToken(owner, Duration.ofMinutes(10));
        }
    }

    static ChildNode start(Path dataDir, String... settings) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", cp,
                "org.elohim.node.cli.Main", "run", "--data-dir", dataDir.toString(), "--bind", "127.0.0.1",
                "--http-port", "0", "--grpc-port", "0", "--setting", "p2p.enabled=false"));
        for (String s : settings) {
            cmd.add("--setting");
            cmd.add(s);
        }
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Path portsFile = new NodeFiles(dataDir).ports();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (System.nanoTime() < deadline) {
            Optional<PortsFile.Contents> c = PortsFile.read(portsFile);
            if (c.isPresent() && c.get().pid() == p.pid()) return new ChildNode(p, c.get());
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

    /** Current VmRSS of the node process. */
    Optional<Long> rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) return Optional.of(Long.parseLong(line.replaceAll("[^0-9]", "")));
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    long peakRssKib() {
        return peakRssKib.get();
    }

    void resetPeak() {
        peakRssKib.set(rssKib().orElse(0L));
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException("node survived SIGKILL");
    }

    @Override
    public void close() throws InterruptedException {
        sampling = false;
        sampler.interrupt();
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
}
