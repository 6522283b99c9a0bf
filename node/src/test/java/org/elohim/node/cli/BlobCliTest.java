package org.elohim.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code blob put|get|ls|stat} on a data directory, then through a running node. */
class BlobCliTest {
    @TempDir
    Path tmp;

    Path file(String name, int size, long seed) throws Exception {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return Files.write(tmp.resolve(name), b);
    }

    @Test
    void withoutAndWithARunningNode() throws Exception {
        String dir = tmp.resolve("data").toString();
        assertThat(CliTest.run("init", "-d", dir).code()).isZero();
        Path photo = file("photo.jpg", 3 * 1024 * 1024 + 11, 1);
        CliTest.Result put = CliTest.run("blob", "put", photo.toString(), "--owner", "alice", "--reach", "family", "-d", dir);
        assertThat(put.code()).as(put.err()).isZero();
        String id = put.out().trim();
        assertThat(id).startsWith("sha256-");
        assertThat(CliTest.run("blob", "stat", id, "-d", dir).out()).contains("image/jpeg").contains("\"alice\"");
        Path back = tmp.resolve("back.jpg");
        assertThat(CliTest.run("blob", "get", id, "-o", back.toString(), "-d", dir).code()).isZero();
        assertThat(Files.mismatch(photo, back)).isEqualTo(-1);
        assertThat(CliTest.run("blob", "get", "sha256-" + "0".repeat(64), "-o", back.toString(), "-d", dir).code())
                .isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(CliTest.run("blob", "get", "nonsense", "-d", dir).code()).isEqualTo(ExitCodes.USAGE);

        try (ElohimNodeRuntime node = ElohimNodeRuntime.start(NodeConfig.ephemeral(Path.of(dir)))) {
            Path video = file("clip.mp4", 20 * 1024 * 1024 + 5, 2);
            CliTest.Result put2 = CliTest.run("blob", "put", video.toString(), "--owner", "bob", "-d", dir);
            assertThat(put2.code()).as(put2.err()).isZero();
            assertThat(put2.err()).contains("100%");
            String id2 = put2.out().trim();
            CliTest.Result ls = CliTest.run("blob", "ls", "-d", dir);
            assertThat(ls.out()).contains(id).contains(id2).contains("video/mp4");
            Path back2 = tmp.resolve("back.mp4");
            assertThat(CliTest.run("blob", "get", id2, "-o", back2.toString(), "-d", dir).code()).isZero();
            assertThat(Files.mismatch(video, back2)).isEqualTo(-1);
            assertThat(CliTest.run("blob", "stat", id2, "-d", dir).out()).contains("\"bob\"");
            assertThat(CliTest.run("blob", "stat", "sha256-" + "1".repeat(64), "-d", dir).code()).isEqualTo(ExitCodes.NOT_FOUND);
            // The operator's routes are invisible without the admin token.
            var http = java.net.http.HttpClient.newHttpClient();
            var res = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                    + node.ports().http() + "/admin/blobs")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(404);
            var anon = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                    + node.ports().http() + "/blobs/" + id2)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(anon.statusCode()).isEqualTo(404); // bob's private blob
        }
    }
}
