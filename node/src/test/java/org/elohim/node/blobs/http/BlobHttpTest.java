package org.elohim.node.blobs.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.elohim.node.runtime.TestDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /blobs over real HTTP (JDK client, real sockets) on a whole node. */
class BlobHttpTest {
    @TempDir
    Path dir;
    ElohimNodeRuntime node;
    TestDevice alice;
    TestDevice bob;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() {
        node = ElohimNodeRuntime.start(NodeConfig.ephemeral(dir.resolve("node")));
        alice = new TestDevice().pairWith(node.storage(), "alice");
        bob = new TestDevice().pairWith(node.storage(), "bob");
    }

    @AfterEach
    void stop() {
        node.close();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + node.ports().http() + path);
    }

    HttpResponse<byte[]> upload(TestDevice device, HttpRequest.BodyPublisher body, String query, String type)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/blobs" + query)).PUT(body).header("Content-Type", type);
        if (device != null) b.headers(device.httpHeaders("/blobs"));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> get(TestDevice device, String id, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/blobs/" + id)).GET();
        if (device != null) b.headers(device.httpHeaders("/blobs/" + id));
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String hashOf(byte[] data) throws Exception {
        return "sha256-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(byte[] body) throws IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper().readValue(body, Map.class);
    }

    @Test
    void uploadThenRangeHeadEtagAndReach() throws Exception {
        byte[] photo = new byte[3 * 1024 * 1024 + 17];
        new SplittableRandom(1).nextBytes(photo);
        String id = hashOf(photo);
        HttpResponse<byte[]> up = upload(alice, HttpRequest.BodyPublishers.ofByteArray(photo), "?reach=family&hash=" + id,
                "image/jpeg");
        assertThat(up.statusCode()).as(new String(up.body())).isEqualTo(201);
        assertThat(json(up.body())).containsEntry("hash", id).containsEntry("size", photo.length);

        HttpResponse<byte[]> whole = get(bob, id);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(photo);
        assertThat(whole.headers().firstValue("content-type")).contains("image/jpeg");
        assertThat(whole.headers().firstValue("etag")).contains("\"" + id + "\"");
        assertThat(whole.headers().firstValue("accept-ranges")).contains("bytes");
        assertThat(whole.headers().firstValue("x-content-type-options")).contains("nosniff");

        HttpResponse<byte[]> part = get(alice, id, "Range", "bytes=1048570-1048589");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.headers().firstValue("content-range")).contains("bytes 1048570-1048589/" + photo.length);
        assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(photo, 1048570, 1048590));
        assertThat(get(alice, id, "Range", "bytes=-5").body()).isEqualTo(java.util.Arrays.copyOfRange(photo,
                photo.length - 5, photo.length));
        HttpResponse<byte[]> bad = get(alice, id, "Range", "bytes=" + photo.length + "-");
        assertThat(bad.statusCode()).isEqualTo(416);
        assertThat(bad.headers().firstValue("content-range")).contains("bytes */" + photo.length);
        assertThat(get(alice, id, "If-None-Match", "\"" + id + "\"").statusCode()).isEqualTo(304);

        HttpResponse<Void> head = http.send(HttpRequest.newBuilder(uri("/blobs/" + id))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).headers(alice.httpHeaders("/blobs/" + id)).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("content-length")).hasValue(photo.length);

        // Anonymous: family reach is not for it; denied looks exactly like missing.
        HttpResponse<byte[]> denied = get(null, id);
        String missingId = hashOf(new byte[] {1});
        HttpResponse<byte[]> missing = get(null, missingId);
        assertThat(denied.statusCode()).isEqualTo(404).isEqualTo(missing.statusCode());
        assertThat(new String(denied.body()).replace(id, "ID")).isEqualTo(new String(missing.body()).replace(missingId, "ID"));
        assertThat(denied.headers().map().keySet()).isEqualTo(missing.headers().map().keySet());
        // by CID too
        String cid = (String) json(up.body()).get("cid");
        assertThat(get(bob, cid).body()).isEqualTo(photo);

        // The node's other routes still work on the same server.
        assertThat(http.send(HttpRequest.newBuilder(uri("/health")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
    }

    @Test
    void uploadsNeedAPairedDeviceAndAreStreamedPastTheRequestLimit() throws Exception {
        assertThat(upload(null, HttpRequest.BodyPublishers.ofString("x"), "", "text/plain").statusCode()).isEqualTo(401);
        // 48 MiB, far above http.max_request_bytes (1 MiB): streamed to the store, never aggregated.
        Path file = dir.resolve("video.mp4");
        SplittableRandom r = new SplittableRandom(2);
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 48; i++) {
                r.nextBytes(buf);
                out.write(buf);
                d.update(buf);
            }
        }
        String id = "sha256-" + HexFormat.of().formatHex(d.digest());
        HttpResponse<byte[]> up = upload(alice, HttpRequest.BodyPublishers.ofFile(file), "?reach=commons", "video/mp4");
        assertThat(up.statusCode()).as(new String(up.body())).isEqualTo(201);
        assertThat(json(up.body())).containsEntry("hash", id);
        HttpResponse<InputStream> back = http.send(HttpRequest.newBuilder(uri("/blobs/" + id)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        MessageDigest d2 = MessageDigest.getInstance("SHA-256");
        try (InputStream in = back.body()) {
            for (int n; (n = in.read(buf)) > 0; ) d2.update(buf, 0, n);
        }
        assertThat("sha256-" + HexFormat.of().formatHex(d2.digest())).isEqualTo(id);
        // A lying hash is refused and nothing is stored.
        HttpResponse<byte[]> lie = upload(bob, HttpRequest.BodyPublishers.ofString("not this"), "?hash="
                + hashOf(new byte[] {7}), "text/plain");
        assertThat(lie.statusCode()).isEqualTo(400);
        assertThat(new String(lie.body())).contains("HASH_MISMATCH");
        assertThat(node.storage().blobs().count()).isEqualTo(1);
    }
}
