package org.elohim.p2p.cli;

import org.elohim.p2p.host.JsPeer;
import org.elohim.p2p.peer.IdentityKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The p2p subcommands against a real js-libp2p node. */
class P2pCommandTest {

    private static JsPeer js;

    @BeforeAll
    static void startJs() throws Exception {
        js = JsPeer.start("--listen");
    }

    @AfterAll
    static void stopJs() {
        if (js != null) {
            js.close();
        }
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new P2pCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void idPrintsPeerIdAndAddressesOfTheKeyFile(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("node.key");
        Run r = run("id", "--key", key.toString(), "--listen", "/ip4/127.0.0.1/tcp/4001");
        String peer = IdentityKey.load(key).peerId().toBase58();
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("\"ID\": \"" + peer + "\"")
                .contains("\"/ip4/127.0.0.1/tcp/4001/p2p/" + peer + "\"");
    }

    @Test
    void pingAJsPeer() {
        Run r = run("ping", js.address(), "-n", "3", "-i", "0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("PING " + js.peerId() + ".");
        assertThat(r.out().lines().filter(l -> l.matches("Pong received: time=\\d+\\.\\d\\d ms"))).hasSize(3);
        assertThat(r.out()).containsPattern("Average latency: \\d+\\.\\d\\dms");
    }

    @Test
    void identifyAJsPeer() {
        Run r = run("identify", js.address());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"ID\": \"" + js.peerId() + "\"")
                .contains("\"AgentVersion\": \"js-libp2p/3.3.11")
                .contains("\"/ipfs/ping/1.0.0\"")
                .contains("\"ProtocolVersion\": \"ipfs/0.1.0\"")
                .contains(js.address());
    }

    @Test
    void perfAgainstAJsPeer() {
        Run r = run("perf", js.address(), "--upload", "4MiB", "--download", "8MiB");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"uploadBytes\":4194304,\"downloadBytes\":8388608");
    }

    @Test
    void unreachablePeerIsAnErrorNotACrash() {
        Run r = run("ping", "/ip4/127.0.0.1/tcp/1", "-n", "1", "--timeout", "3");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("Error: cannot connect");
    }
}
