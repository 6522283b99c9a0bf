package org.elohim.p2p.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real js-libp2p 3.3.11 node (interop/libp2p/peer.mjs) as a child process, driven by JSON lines.
 * Missing node_modules skips the test locally and fails it in CI (CI=true).
 */
public final class JsPeer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
    private final List<JsonNode> events = new ArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final JsonNode ready;

    /** The interop/libp2p folder, found from the working directory upwards. */
    public static Path interopDir() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path candidate = p.resolve("interop/libp2p");
            if (Files.exists(candidate.resolve("peer.mjs"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("interop/libp2p not found above " + dir);
    }

    /** Skips (locally) or fails (CI) when the pinned npm packages are not installed. */
    public static Path requireInstalled() {
        Path dir = interopDir();
        boolean installed = Files.isDirectory(dir.resolve("node_modules/libp2p"));
        if (!installed) {
            String msg = "js-libp2p not installed: run `npm ci` in " + dir;
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(msg);
            }
            Assumptions.abort(msg);
        }
        return dir;
    }

    public static JsPeer start(String... args) throws IOException, InterruptedException {
        return new JsPeer("peer.mjs", args);
    }

    /** Starts another script of interop/libp2p that speaks the same JSON-lines protocol. */
    public static JsPeer startScript(String script, String... args) throws IOException, InterruptedException {
        return new JsPeer(script, args);
    }

    private JsPeer(String script, String... args) throws IOException, InterruptedException {
        Path dir = requireInstalled();
        List<String> cmd = new ArrayList<>(List.of("node", "--experimental-websocket", "--no-warnings",
                "--import", "./shim.mjs", script));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("js-libp2p-", ".log");
        log.toFile().deleteOnExit();
        process = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        stdin = process.getOutputStream();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    try {
                        lines.add(JSON.readTree(line));
                    } catch (IOException e) {
                        // not JSON: ignore
                    }
                }
            } catch (IOException e) {
                // process gone
            }
        }, "js-peer-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            ready = next(n -> "ready".equals(n.path("event").asText()), 30);
        } catch (AssertionError | InterruptedException e) {
            process.destroyForcibly();
            throw new AssertionError("js peer did not start; see " + log, e);
        }
    }

    public String peerId() {
        return ready.get("peer").asText();
    }

    /** All listen addresses with /p2p/, in the order the peer reported them. */
    public java.util.List<String> addresses() {
        java.util.List<String> out = new java.util.ArrayList<>();
        ready.get("addrs").forEach(a -> out.add(a.asText()));
        return out;
    }

    /** Full listen address with /p2p/. */
    public String address() {
        return ready.get("addrs").get(0).asText();
    }

    /** Sends a command and waits for its result (ok must be true). */
    public JsonNode command(ObjectNode cmd, int timeoutSeconds) throws IOException, InterruptedException {
        int id = ids.incrementAndGet();
        cmd.put("id", id);
        synchronized (stdin) {
            stdin.write((cmd + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }
        JsonNode result = next(n -> n.path("id").asInt(-1) == id, timeoutSeconds);
        if (!result.path("ok").asBoolean()) {
            throw new AssertionError("js command " + cmd + " failed: " + result.path("error").asText());
        }
        return result;
    }

    public static ObjectNode cmd(String name) {
        return JSON.createObjectNode().put("cmd", name);
    }

    /** Waits for an event line matching {@code p} (events seen earlier are kept and searched first). */
    public synchronized JsonNode event(Predicate<JsonNode> p, int timeoutSeconds) throws InterruptedException {
        for (JsonNode e : events) {
            if (p.test(e)) {
                return e;
            }
        }
        return next(p, timeoutSeconds);
    }

    private synchronized JsonNode next(Predicate<JsonNode> p, int timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode n = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (n == null) {
                throw new AssertionError("js peer: nothing matching within " + timeoutSeconds + " s (alive="
                        + process.isAlive() + ")");
            }
            if (p.test(n)) {
                return n;
            }
            if (n.has("event")) {
                events.add(n);
            }
        }
    }

    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(3, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
