package org.elohim.node.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.elohim.node.runtime.DataDirLock;
import org.elohim.node.runtime.NodeFiles;
import org.elohim.node.runtime.PortsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Try it by hand" block, as real processes: commands typed while the node is still
 * starting must reach it (not take the data directory from under it), and the node must wait for
 * a command that holds the directory for a moment.
 */
class FirstRunTest {
    private static final Map<String, String> AS_LAUNCHER = Map.of("ELOHIM_COMMAND", "./elohim");

    @TempDir
    Path tmp;

    private Process startNode(Path data) throws Exception {
        // what `./elohim &` runs, on loopback and free ports; libp2p on so the banner shows a multiaddr
        return CliProcess.start(tmp, "node", AS_LAUNCHER, "run", "-d", data.toString(), "--bind", "127.0.0.1",
                "--http-port", "0", "--grpc-port", "0", "--p2p-port", "0");
    }

    private PortsFile.Contents awaitPorts(Path data, Process node) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Optional<PortsFile.Contents> c = PortsFile.read(new NodeFiles(data).ports());
            if (c.isPresent() && c.get().pid() == node.pid()) return c.get();
            assertThat(node.isAlive()).as("node exited: " + Files.readString(tmp.resolve("node.err"))).isTrue();
            Thread.sleep(50);
        }
        throw new AssertionError("node did not start: " + Files.readString(tmp.resolve("node.err")));
    }

    private static void stop(Process node) throws InterruptedException {
        node.destroy();
        if (!node.waitFor(20, TimeUnit.SECONDS)) node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void theReadmeBlockPastedAtOnceWorksWhileTheNodeIsStarting() throws Exception {
        Path data = tmp.resolve("data"); // fresh: the node initializes it first
        Process node = startNode(data);
        try {
            // no waiting: the next line of the pasted block runs while the node JVM is still starting
            CliProcess.Result put = CliProcess.run(tmp, "put", AS_LAUNCHER, "doc", "put", "groceries", "-d", data.toString(),
                    "--owner", "alice", "--reach", "family", "--set", "title=Groceries", "--set", "items=[\"milk\",\"eggs\"]");
            assertThat(put.code()).as(put.err()).isZero();
            CliProcess.Result get = CliProcess.run(tmp, "get", AS_LAUNCHER, "doc", "get", "groceries", "-d", data.toString());
            assertThat(get.code()).as(get.err()).isZero();
            assertThat(get.out()).contains("milk").contains("Groceries");
            CliProcess.Result pair = CliProcess.run(tmp, "pair", AS_LAUNCHER, "pair", "--owner", "alice", "-d", data.toString());
            assertThat(pair.code()).as(pair.err()).isZero();
            CliProcess.Result status = CliProcess.run(tmp, "status", AS_LAUNCHER, "status", "-d", data.toString());
            assertThat(status.code()).as(status.err()).isZero();

            PortsFile.Contents ports = awaitPorts(data, node);
            assertThat(node.isAlive()).as(Files.readString(tmp.resolve("node.err"))).isTrue();
            assertThat(status.out()).contains(ports.nodeId());
            // the device address is one a phone can dial (here loopback, since the node binds 127.0.0.1)
            assertThat(pair.out()).contains("address  127.0.0.1:" + ports.ports().grpc()).contains(ports.nodeId());
            HttpResponse<String> commons = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + ports.ports().http() + "/storage/reach/commons")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(commons.statusCode()).isEqualTo(200);
            assertThat(commons.body()).doesNotContain("groceries"); // family reach: not for anonymous callers

            // the write is in the node (whichever process held the directory when it was made)
            CliProcess.Result ls = CliProcess.run(tmp, "ls", AS_LAUNCHER, "doc", "ls", "-d", data.toString(), "--json");
            assertThat(ls.out()).contains("groceries");

            String banner = Files.readString(tmp.resolve("node.out"));
            assertThat(banner).contains("/ip4/127.0.0.1/tcp/" + ports.ports().p2p() + "/p2p/" + ports.nodeId())
                    .contains("http://127.0.0.1:" + ports.ports().http() + "/")
                    .contains("127.0.0.1:" + ports.ports().grpc())
                    .contains("`./elohim pair --owner <name>`")
                    .doesNotContain("0.0.0.0");
            assertThat(Files.readString(tmp.resolve("node.err"))).doesNotContain("another node").doesNotContain("Exception");
        } finally {
            stop(node);
        }
        assertThat(node.exitValue()).isIn(0, 143);
    }

    @Test
    void aStartingNodeWaitsForACommandThatHoldsTheDirectory() throws Exception {
        Path data = tmp.resolve("data");
        assertThat(CliProcess.run(tmp, "init", Map.of(), "init", "-d", data.toString()).code()).isZero();
        Process node;
        try (DataDirLock cli = DataDirLock.tryAcquire(new NodeFiles(data), DataDirLock.Role.CLI).orElseThrow()) {
            node = startNode(data);
            Thread.sleep(2500); // long enough for the node JVM to reach the lock
            assertThat(node.isAlive()).as(Files.readString(tmp.resolve("node.err"))).isTrue();
            assertThat(new NodeFiles(data).ports()).doesNotExist();
        }
        try {
            PortsFile.Contents ports = awaitPorts(data, node);
            assertThat(ports.pid()).isEqualTo(node.pid());
            // a second node on the same directory is refused at once, naming the running one
            CliProcess.Result second = CliProcess.run(tmp, "second", Map.of(), "run", "-d", data.toString(),
                    "--bind", "127.0.0.1", "--http-port", "0", "--grpc-port", "0", "--setting", "p2p.enabled=false");
            assertThat(second.code()).isEqualTo(6);
            assertThat(second.err()).contains("another node is running").contains("pid " + node.pid());
        } finally {
            stop(node);
        }
    }

    @Test
    void statusWithoutANodeSaysWhatToDoInTheCommandTheUserTyped() throws Exception {
        Path data = tmp.resolve("data");
        CliProcess.Result status = CliProcess.run(tmp, "status", AS_LAUNCHER, "status", "-d", data.toString());
        assertThat(status.code()).isEqualTo(4);
        assertThat(status.err()).contains("no node is running").contains("`./elohim run`")
                .doesNotContain("null").doesNotContain("elohim-node");
    }
}
