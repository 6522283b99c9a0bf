package org.elohim.p2p.natlab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** A {@link LabPeer} child JVM inside a lab namespace; its {@code key=value} lines are parsed into maps. */
final class LabProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final BlockingQueue<Map<String, String>> events = new LinkedBlockingQueue<>();
    private final java.util.Deque<String> output = new java.util.concurrent.ConcurrentLinkedDeque<>();

    LabProcess(NatLab lab, String namespace, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        byte[] seed = new byte[32];
        ThreadLocalRandom.current().nextBytes(seed);
        List<String> argv = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx128m",
                "-cp", cp, LabPeer.class.getName(), args[0], args[1], HexFormat.of().formatHex(seed)));
        argv.addAll(List.of(args).subList(2, args.length));
        log = Files.createTempFile("nat-lab-" + namespace + "-", ".log");
        process = new ProcessBuilder(lab.inNamespace(namespace, argv)).redirectError(log.toFile()).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    if (output.size() > 200) {
                        output.poll();
                    }
                    if (line.startsWith("event=")) {
                        Map<String, String> m = new HashMap<>();
                        for (String kv : line.split(" ")) {
                            int eq = kv.indexOf('=');
                            if (eq > 0) {
                                m.put(kv.substring(0, eq), kv.substring(eq + 1));
                            }
                        }
                        events.add(m);
                    }
                }
            } catch (IOException e) {
                // process ended
            }
        }, "nat-lab-" + namespace);
        reader.setDaemon(true);
        reader.start();
    }

    /** The next event named {@code name}; an {@code error} event or a timeout fails with the child's log. */
    Map<String, String> await(String name, long timeoutMillis) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            long left = deadline - System.nanoTime();
            Map<String, String> e = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
            if (e == null) {
                throw new AssertionError("no '" + name + "' within " + timeoutMillis + " ms; log " + log + ":\n" + tail());
            }
            if ("error".equals(e.get("event"))) {
                throw new AssertionError("lab peer failed: " + e.get("message") + "; log:\n" + tail());
            }
            if (name.equals(e.get("event"))) {
                return e;
            }
        }
    }

    String tail() throws IOException {
        List<String> lines = new ArrayList<>(output);
        lines.addAll(Files.readAllLines(log));
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 120), lines.size()));
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // gone
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
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // temp file
        }
    }
}
