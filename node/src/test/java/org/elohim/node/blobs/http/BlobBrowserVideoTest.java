package org.elohim.node.blobs.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.elohim.node.blobs.BlobId;
import org.elohim.node.blobs.BlobInfo;
import org.elohim.node.blobs.BlobUpload;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.reach.Reach;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Headless Debian Chromium (playwright-core, interop/automerge) plays a commons blob from the node
 * in a {@code <video>} element and seeks three times; the media stack's Range requests must be
 * answered 206 with the right Content-Range. The media is a 60 s PCM WAV made here (no encoder
 * is available to the tests; Chromium's media element seeks in it by byte ranges just the same).
 * Chromium must be installed under CI; elsewhere the test is skipped without it.
 */
class BlobBrowserVideoTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path dir;

    static Path interopDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path d = p.resolve("interop").resolve("automerge");
            if (Files.isRegularFile(d.resolve("package.json"))) return d;
        }
        return Path.of("..", "interop", "automerge").toAbsolutePath();
    }

    static void require(boolean present, String what) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            if (!present) Assertions.fail("CI must provide " + what);
        } else {
            Assumptions.assumeTrue(present, what + " missing: browser test skipped");
        }
    }

    /** 60 s of a 440 Hz tone, 16-bit stereo 44.1 kHz PCM in a RIFF/WAVE container (~10 MiB). */
    static byte[] wav(int seconds) {
        int rate = 44_100;
        int frames = rate * seconds;
        ByteBuffer b = ByteBuffer.allocate(44 + frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + frames * 4).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 2)
                .putInt(rate).putInt(rate * 4).putShort((short) 4).putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(frames * 4);
        for (int i = 0; i < frames; i++) {
            short s = (short) (8000 * Math.sin(2 * Math.PI * 440 * i / rate));
            b.putShort(s).putShort(s);
        }
        return b.array();
    }

    @Test
    @Timeout(180)
    void videoElementSeeksWithRangeRequests() throws Exception {
        Path interop = interopDir();
        require(Files.isDirectory(interop.resolve("node_modules/playwright-core")), "interop/automerge/node_modules (npm ci)");
        require(Files.isExecutable(CHROMIUM), "chromium (apt-get install -y chromium)");
        byte[] media = wav(60);
        try (ElohimNodeRuntime node = ElohimNodeRuntime.start(NodeConfig.ephemeral(dir.resolve("node")))) {
            BlobInfo info;
            try (BlobUpload u = node.storage().blobs().beginUpload("alice", java.util.Optional.empty(), -1, "audio/wav",
                    Reach.COMMONS)) {
                u.write(0, media, 0, media.length);
                info = u.finish();
            }
            assertThat(info.id()).isEqualTo(BlobId.of(BlobId.sha256().digest(media)));
            String src = "http://127.0.0.1:" + node.ports().http() + "/blobs/" + info.id();
            List<String> cmd = List.of("node", "blob-video-test.mjs", src, CHROMIUM.toString());
            Path out = dir.resolve("out.txt");
            Process p = new ProcessBuilder(cmd).directory(interop.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            try {
                assertThat(p.waitFor(150, TimeUnit.SECONDS)).as("browser script finished").isTrue();
            } finally {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            String output = Files.readString(out);
            assertThat(p.exitValue()).as(output).isZero();
            List<JsonNode> seeks = new ArrayList<>();
            JsonNode requests = null;
            ObjectMapper json = new ObjectMapper();
            for (String line : output.lines().toList()) {
                if (line.startsWith("OK seeked ")) seeks.add(json.readTree(line.substring("OK seeked ".length())));
                if (line.startsWith("OK requests ")) requests = json.readTree(line.substring("OK requests ".length()));
            }
            assertThat(seeks).as(output).hasSize(3);
            assertThat(requests).as(output).isNotNull();
            // The seeks were served by partial responses from inside the file, not by one whole download.
            long partialFromInside = 0;
            for (JsonNode r : requests.get("ranges")) {
                if (r.get("status").asInt() == 206 && r.hasNonNull("contentRange")) {
                    String cr = r.get("contentRange").asText();
                    assertThat(cr).endsWith("/" + media.length);
                    long start = Long.parseLong(cr.substring("bytes ".length(), cr.indexOf('-')));
                    if (start > media.length / 4) partialFromInside++;
                }
            }
            assertThat(partialFromInside).as("206 answers to Range requests past the first quarter:\n" + output).isPositive();
        }
    }
}
