package org.elohim.node.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code <dataDir>/ports.json}: how local tools (the CLI, tests, scripts) find a running node
 * that may have bound ephemeral ports. Written atomically once every listener is up.
 */
public final class PortsFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the file says. {@code host} is where to connect locally (loopback unless bound elsewhere). */
    public record Contents(long pid, String host, BoundPorts ports, String nodeId) {
    }

    private PortsFile() {
    }

    public static void write(Path file, Contents c) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", c.pid());
        m.put("host", c.host());
        m.put("http", c.ports().http());
        m.put("grpc", c.ports().grpc());
        m.put("p2p", c.ports().p2p());
        m.put("nodeId", c.nodeId());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static Optional<Contents> read(Path file) {
        try {
            if (!Files.isRegularFile(file) || Files.size(file) > 64 * 1024) return Optional.empty();
            JsonNode n = JSON.readTree(file.toFile());
            return Optional.of(new Contents(n.path("pid").asLong(), n.path("host").asText("127.0.0.1"),
                    new BoundPorts(n.path("http").asInt(), n.path("grpc").asInt(), n.path("p2p").asInt()),
                    n.path("nodeId").asText("")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
