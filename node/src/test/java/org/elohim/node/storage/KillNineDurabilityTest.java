package org.elohim.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real child JVM writing under load is killed with SIGKILL; every write it acknowledged is there. */
class KillNineDurabilityTest {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedWriteSurvivesKillMinusNine() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                AckWriterMain.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<Long> acked = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String line;
            while ((line = r.readLine()) != null && System.nanoTime() < deadline) {
                if (line.startsWith("ACK ")) acked.add(Long.parseLong(line.substring(4)));
                if (acked.size() >= 1500) break;
            }
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no close, no checkpoint
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(acked).hasSizeGreaterThan(100);
        try (SqliteDocumentService s = SqliteDocumentService.open(dir)) {
            for (long n : acked) {
                String doc = "doc" + (n % 20);
                assertThat(s.read(doc, d -> Docs.get(d, "k" + n).orElse(null)).join()).as("ack %d", n).contains("v" + n);
            }
            assertThat(s.position().seq()).isGreaterThanOrEqualTo(acked.size());
        }
        assertThat(new File(dir.toFile(), "node.db")).exists();
    }
}
