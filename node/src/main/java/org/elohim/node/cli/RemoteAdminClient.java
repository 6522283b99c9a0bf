package org.elohim.node.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.elohim.node.reach.Reach;
import org.elohim.node.runtime.AdminToken;
import org.elohim.node.runtime.NodeFiles;
import org.elohim.node.runtime.PortsFile;

/** A node holds the data directory: talk to its local admin API (ports.json + admin.token). */
final class RemoteAdminClient implements AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final String base;
    private final String token;
    private final org.elohim.node.runtime.BoundPorts ports;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    RemoteAdminClient(String base, String token, org.elohim.node.runtime.BoundPorts ports) {
        this.base = base;
        this.token = token;
        this.ports = ports;
    }

    @Override
    public Optional<org.elohim.node.runtime.BoundPorts> runningPorts() {
        return Optional.of(ports);
    }

    static RemoteAdminClient forRunningNode(NodeFiles files, PortsFile.Contents ports, Optional<String> adminToken) {
        String token = adminToken.orElseThrow(() -> new CliException(ExitCodes.FAILURE,
                "cannot read " + files.adminToken() + " (run as the node's user)"));
        return new RemoteAdminClient(baseUrl(ports), token, ports.ports());
    }

    static String baseUrl(PortsFile.Contents ports) {
        return "http://" + hostPart(ports.host()) + ":" + ports.ports().http();
    }

    static String hostPart(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    @Override
    public Map<String, Object> pairingToken(String owner, Duration ttl) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("owner", owner);
        body.put("ttlSeconds", ttl.toSeconds());
        return send("POST", "/admin/pairing-tokens", body).orElseThrow(RemoteAdminClient::refused);
    }

    @Override
    public Map<String, Object> putDocument(String docId, String owner, Reach reach, JsonNode content) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("owner", owner);
        body.put("reach", reach.wireName());
        body.put("content", content);
        return send("PUT", "/admin/docs/" + enc(docId), body).orElseThrow(RemoteAdminClient::refused);
    }

    @Override
    public Optional<Map<String, Object>> getDocument(String docId) {
        return send("GET", "/admin/docs/" + enc(docId), null);
    }

    @Override
    public Map<String, Object> listDocuments(String after, int limit, Optional<Reach> reach, Optional<String> owner) {
        StringBuilder q = new StringBuilder("/admin/docs?limit=").append(limit);
        if (after != null) q.append("&after=").append(enc(after));
        reach.ifPresent(r -> q.append("&reach=").append(r.wireName()));
        owner.ifPresent(o -> q.append("&owner=").append(enc(o)));
        return send("GET", q.toString(), null).orElseThrow(RemoteAdminClient::refused);
    }

    @Override
    public Map<String, Object> snapshotDatabase() {
        // a large database takes a while to copy
        return send("POST", "/admin/backup/snapshot", Map.of(), Duration.ofHours(2)).orElseThrow(RemoteAdminClient::refused);
    }

    private static CliException refused() {
        return new CliException(ExitCodes.FAILURE, "the node refused the admin request (is admin.token current?)");
    }

    String base() {
        return base;
    }

    String token() {
        return token;
    }

    @Override
    public String where() {
        return "running node at " + base;
    }

    /** Empty on 404 (no such document); CliException for other errors. */
    private Optional<Map<String, Object>> send(String method, String path, Object body) {
        return send(method, path, body, Duration.ofSeconds(30));
    }

    private Optional<Map<String, Object>> send(String method, String path, Object body, Duration timeout) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                    .header("Authorization", "Bearer " + token);
            if (body != null) {
                b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<byte[]> res = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            Map<String, Object> json = res.body().length == 0 ? Map.of() : JSON.readValue(res.body(), MAP);
            if (res.statusCode() == 404) return Optional.empty();
            if (res.statusCode() >= 400) {
                throw new CliException(res.statusCode() < 500 ? ExitCodes.USAGE : ExitCodes.FAILURE,
                        "node answered " + res.statusCode() + ": " + json.getOrDefault("error", ""));
            }
            return Optional.of(json);
        } catch (IOException e) {
            throw new CliException(ExitCodes.NOT_RUNNING, "cannot reach the node at " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILURE, "interrupted");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void close() {
        // HttpClient needs no closing on Java 17
    }
}
