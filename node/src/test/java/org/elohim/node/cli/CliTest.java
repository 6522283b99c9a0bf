package org.elohim.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.reach.Reach;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.elohim.node.runtime.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI in-process: commands, output, exit codes, offline and against a running node. */
class CliTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    String dir() {
        return tmp.resolve("data").toString();
    }

    @Test
    void versionHelpAndUsageErrors() {
        Result v = run("--version");
        assertThat(v.code()).isZero();
        assertThat(v.out()).contains("elohim-node ").contains("Java ");
        Result h = run("--help");
        assertThat(h.code()).isZero();
        assertThat(h.out()).contains("init", "run", "status", "pair", "doc", "Exit codes");
        assertThat(run("frobnicate").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("pair", "-d", dir()).code()).isEqualTo(ExitCodes.USAGE); // --owner missing
    }

    @Test
    void initIsIdempotentAndKeepsTheIdentity() throws Exception {
        Result first = run("init", "-d", dir());
        assertThat(first.code()).as(first.err()).isZero();
        Path d = Path.of(dir());
        assertThat(d.resolve("config.toml")).exists();
        assertThat(d.resolve("node.key")).exists();
        assertThat(d.resolve("node.db")).exists();
        String id = first.out().replaceAll("(?s).*node id (\\S+)\\).*", "$1");
        assertThat(id).startsWith("12D3KooW");
        Files.writeString(d.resolve("config.toml"), Files.readString(d.resolve("config.toml")).replace("port = 8080", "port = 8181"));
        Result second = run("init", "-d", dir());
        assertThat(second.out()).contains(id);
        assertThat(Files.readString(d.resolve("config.toml"))).contains("port = 8181"); // kept, not overwritten
    }

    @Test
    void docPutGetLsOnTheDataDirectory() throws Exception {
        run("init", "-d", dir());
        Path json = tmp.resolve("doc.json");
        Files.writeString(json, "{\"title\":\"Groceries\",\"items\":[\"milk\",\"eggs\"],\"done\":false}");
        Result put = run("doc", "put", "list-1", "-d", dir(), "--owner", "alice", "--reach", "family",
                "--json", json.toString(), "--set", "count=2");
        assertThat(put.code()).as(put.err()).isZero();
        assertThat(JSON.readTree(put.out()).path("changed").asBoolean()).isTrue();

        Result get = run("doc", "get", "list-1", "-d", dir());
        assertThat(get.code()).isZero();
        JsonNode doc = JSON.readTree(get.out());
        assertThat(doc.path("owner").asText()).isEqualTo("alice");
        assertThat(doc.path("reach").asText()).isEqualTo("family");
        assertThat(doc.path("content").path("title").asText()).isEqualTo("Groceries");
        assertThat(doc.path("content").path("items").get(1).asText()).isEqualTo("eggs");
        assertThat(doc.path("content").path("count").asInt()).isEqualTo(2);
        assertThat(doc.path("content").path("count").isIntegralNumber()).isTrue();
        assertThat(doc.path("content").path("done").asBoolean(true)).isFalse();

        Result ls = run("doc", "ls", "-d", dir());
        assertThat(ls.out()).contains("list-1").contains("alice").contains("family");
        assertThat(run("doc", "get", "missing", "-d", dir()).code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run("doc", "put", "x", "-d", dir(), "--owner", "a", "--reach", "galaxy", "--set", "a=1").code())
                .isEqualTo(ExitCodes.USAGE);
        assertThat(run("doc", "put", "x", "-d", dir(), "--owner", "a").code()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void statusWithoutANodeAndBadConfigHaveTheirOwnExitCodes() throws Exception {
        run("init", "-d", dir());
        Result status = run("status", "-d", dir());
        assertThat(status.code()).isEqualTo(ExitCodes.NOT_RUNNING);
        assertThat(status.err()).contains("no node is running").contains("run`");
        Files.writeString(Path.of(dir(), "config.toml"), "[http]\nport = \"eighty\"\n");
        Result bad = run("doc", "ls", "-d", dir());
        assertThat(bad.code()).isEqualTo(ExitCodes.CONFIG);
        assertThat(bad.err()).contains("config error").contains("http.port");
        assertThat(run("doc", "ls", "-d", tmp.resolve("nowhere").toString()).code()).isEqualTo(ExitCodes.CONFIG);
    }

    @Test
    void allPortConflictsAreReportedInOneMessageWithTheOptionsToUse() throws Exception {
        try (java.net.ServerSocket http = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             java.net.ServerSocket grpc = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Result r = run("run", "-d", dir(), "--bind", "127.0.0.1", "--http-port", String.valueOf(http.getLocalPort()),
                    "--grpc-port", String.valueOf(grpc.getLocalPort()), "--setting", "p2p.enabled=false");
            assertThat(r.code()).isEqualTo(ExitCodes.START_FAILED);
            assertThat(r.err()).contains("HTTP on 127.0.0.1:" + http.getLocalPort()).contains("gRPC on 127.0.0.1:" + grpc.getLocalPort())
                    .contains("run --http-port ").contains(" --grpc-port ");
            assertThat(r.err().lines().filter(l -> l.startsWith("cannot start")).count()).isEqualTo(1);
        }
        // nothing was left bound or locked: the same directory starts fine on free ports
        try (ElohimNodeRuntime node = ElohimNodeRuntime.start(NodeConfig.ephemeral(Path.of(dir())))) {
            assertThat(node.ports().http()).isPositive();
        }
    }

    @Test
    void statusAgainstAnAddressWhereNothingListensSaysSo() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Result r = run("status", "--url", "http://127.0.0.1:" + port);
        assertThat(r.code()).isEqualTo(ExitCodes.NOT_RUNNING);
        assertThat(r.err()).contains("no node answers").doesNotContain("null");
    }

    @Test
    void againstARunningNodeCommandsGoThroughItsLocalAdminApi() throws Exception {
        try (ElohimNodeRuntime node = ElohimNodeRuntime.start(NodeConfig.ephemeral(Path.of(dir())))) {
            Result put = run("doc", "put", "live", "-d", dir(), "--owner", "bob", "--reach", "commons", "--set", "n=7");
            assertThat(put.code()).as(put.err()).isZero();
            // the node holds the data directory, so this write went through the node itself
            assertThat(node.storage().documents().info("live").orElseThrow().reach()).isEqualTo(Reach.COMMONS);
            assertThat(JSON.readTree(run("doc", "get", "live", "-d", dir()).out()).path("content").path("n").asInt())
                    .isEqualTo(7);
            assertThat(run("doc", "ls", "-d", dir(), "--json").out()).contains("\"live\"");

            Result pair = run("pair", "--owner", "bob", "--quiet", "-d", dir());
            assertThat(pair.code()).as(pair.err()).isZero();
            String token = pair.out().trim();
            TestDevice device = new TestDevice();
            String deviceId = node.storage().pairing().pair(token, device.rawPublicKey(), "phone").join().deviceId();
            assertThat(node.storage().devices().find(deviceId).orElseThrow().owner()).isEqualTo("bob");

            Result status = run("status", "-d", dir());
            assertThat(status.code()).as(status.err()).isZero();
            assertThat(status.out()).contains(node.nodeId()).contains("documents 1");

            // the admin API is invisible without the token
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + node.ports().http();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/admin/docs")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/admin/docs"))
                    .header("Authorization", "Bearer not-the-token").build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        }
    }
}
