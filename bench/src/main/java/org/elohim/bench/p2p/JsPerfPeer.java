package org.elohim.bench.p2p;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A js-libp2p node (interop/libp2p/peer.mjs) driven over JSON lines, for perf runs. */
final class JsPerfPeer implements AutoCloseable {

    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final String ready;
    private int ids;

    static Path interopDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("interop/libp2p");
            if (Files.exists(c.resolve("peer.mjs")) && Files.isDirectory(c.resolve("node_modules"))) {
                return c;
            }
        }
        throw new IllegalStateException("interop/libp2p with node_modules not found: run npm ci there");
    }

    JsPerfPeer(String... args) throws IOException, InterruptedException {
        this("peer.mjs", args);
    }

    /** A peer running {@code script} of interop/libp2p (same JSON lines as peer.mjs, e.g. transport-peer.mjs). */
    JsPerfPeer(String script, String[] args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("node", "--experimental-websocket", "--no-warnings",
                "--import", "./shim.mjs", script));
        cmd.addAll(List.of(args));
        process = new ProcessBuilder(cmd).directory(interopDir().toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        stdin = process.getOutputStream();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // gone
            }
        }, "js-perf-peer");
        t.setDaemon(true);
        t.start();
        ready = await("\"event\":\"ready\"", 30);
    }

    /** The node's first listen address with /p2p/. */
    String address() {
        Matcher m = Pattern.compile("\"addrs\":\\[\"([^\"]+)\"").matcher(ready);
        if (!m.find()) {
            throw new IllegalStateException("js peer does not listen: " + ready);
        }
        return m.group(1);
    }

    /** One perf run from this node to {@code addr}: {uploadNanos, totalNanos}. */
    long[] perf(String addr, long upload, long download) throws IOException, InterruptedException {
        int id = ++ids;
        String cmd = "{\"id\":" + id + ",\"cmd\":\"perf\",\"addr\":\"" + addr + "\",\"upload\":" + upload
                + ",\"download\":" + download + "}\n";
        stdin.write(cmd.getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        String line = await("\"id\":" + id + ",", 300);
        if (!line.contains("\"ok\":true")) {
            throw new IllegalStateException("js perf failed: " + line);
        }
        return new long[]{number(line, "uploadNanos"), number(line, "totalNanos")};
    }

    private static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + field + " in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    private String await(String marker, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (l == null) {
                throw new IllegalStateException("js peer: no " + marker + " within " + seconds + " s");
            }
            if (l.contains(marker)) {
                return l;
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            stdin.close();
        } catch (IOException e) {
            // gone
        }
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
