package org.elohim.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.elohim.node.runtime.NodeFiles;
import org.elohim.node.runtime.PortsFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Asks a running node (the one on the data dir, or --url) for /health and /sync/status. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the status of a running node (its HTTP API). Exit code 4 if none answers.")
final class StatusCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    DataDirOptions options;

    @Option(names = "--url", paramLabel = "URL", description = "Base URL of the node's HTTP API (default: from <data-dir>/ports.json).")
    String url;

    @Option(names = "--json", description = "Print the raw JSON answers.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String base = url != null ? stripSlash(url) : fromPortsFile();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        JsonNode health = get(http, base + "/health");
        JsonNode sync = get(http, base + "/sync/status");
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                    JSON.createObjectNode().<com.fasterxml.jackson.databind.node.ObjectNode>set("health", health).set("sync", sync)));
            return ExitCodes.OK;
        }
        out.printf("node      %s (%s)%n", health.path("nodeId").asText(), health.path("status").asText());
        out.printf("version   %s, up %ds%n", health.path("version").asText(), health.path("uptimeMillis").asLong() / 1000);
        out.printf("url       %s%n", base);
        out.printf("documents %d%n", health.path("documents").asLong());
        out.printf("stream    epoch %s seq %d%n", sync.path("position").path("epoch").asText(),
                sync.path("position").path("seq").asLong());
        out.printf("peers     %d known, %d connected%n", sync.path("peers").size(), sync.path("connected").asInt());
        for (JsonNode p : sync.path("peers")) {
            out.printf("  %-48s %s read %d acked %d%s%n", p.path("peerId").asText(),
                    p.path("connected").asBoolean() ? "connected" : "offline  ", p.path("read").path("seq").asLong(),
                    p.path("acked").path("seq").asLong(),
                    p.path("behind").isNumber() ? " (behind " + p.path("behind").asLong() + ")" : "");
        }
        return ExitCodes.OK;
    }

    private String fromPortsFile() {
        NodeFiles files = new NodeFiles(options.dataDir());
        PortsFile.Contents c = RunningNode.find(files, false, RunningNode.PATIENCE).flatMap(RunningNode.Found::node)
                .orElseThrow(() -> new CliException(ExitCodes.NOT_RUNNING, "no node is running on "
                        + options.dataDir().toAbsolutePath() + ". Start one with `" + CommandName.get() + " run`"
                        + " (or give --data-dir DIR), or ask a node elsewhere with --url http://HOST:8080"));
        return RemoteAdminClient.baseUrl(c);
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static JsonNode get(HttpClient http, String url) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) throw new CliException(ExitCodes.FAILURE, url + " answered " + r.statusCode());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            String why = e.getMessage() != null ? e.getMessage()
                    : e instanceof java.net.ConnectException ? "connection refused" : e.getClass().getSimpleName();
            throw new CliException(ExitCodes.NOT_RUNNING, "no node answers at " + url + " (" + why + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILURE, "interrupted");
        }
    }
}
