package org.elohim.node.blobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlobIdTest {
    @Test
    void textAndCidOfAKnownDigest() {
        BlobId id = BlobId.of(BlobId.sha256().digest("hello".getBytes(StandardCharsets.UTF_8)));
        assertThat(id.toString()).isEqualTo("sha256-2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        // The CIDv1 of "hello" as raw bytes (as `ipfs add --cid-version 1 --raw-leaves` prints it).
        assertThat(id.cid()).isEqualTo("bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq");
        assertThat(BlobId.parse(id.cid())).contains(id);
        assertThat(BlobId.parse(id.toString())).contains(id);
    }

    @Test
    void malformedIdsAreRejected() {
        for (String s : List.of("", "sha256-", "sha256-zz", "sha256-" + "A".repeat(64), "sha1-" + "a".repeat(40),
                "bafkrei", "b!!!!", "x".repeat(500))) {
            assertThat(BlobId.parse(s)).as(s).isEmpty();
        }
        assertThat(BlobId.parse(null)).isEmpty();
        assertThatThrownBy(() -> BlobId.of(new byte[31])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void manifestRoundTripsAndRejectsBadInput() {
        Manifest m = new Manifest(Manifest.CHUNK_SIZE + 5, List.of(new byte[32], new byte[32]));
        assertThat(Manifest.decode(m.encode()).size()).isEqualTo(m.size());
        assertThat(Manifest.decode(m.encode()).chunks()).hasSize(2);
        byte[] bad = m.encode();
        bad[bad.length - 1 - 64] = 9; // size no longer matches the count
        assertThatThrownBy(() -> Manifest.decode(java.util.Arrays.copyOf(bad, bad.length - 32)))
                .isInstanceOf(Manifest.MalformedManifestException.class);
        assertThatThrownBy(() -> Manifest.decode(new byte[3])).isInstanceOf(Manifest.MalformedManifestException.class);
        assertThatThrownBy(() -> new Manifest(10, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Manifest(0, List.of()).chunks()).isEmpty();
    }
}
