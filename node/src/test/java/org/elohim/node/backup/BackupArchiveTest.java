package org.elohim.node.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive format on files alone: round trip, and every way a hostile or damaged archive is refused untouched. */
class BackupArchiveTest {
    @TempDir
    Path tmp;

    private Path dataDirWithFiles() throws IOException {
        Path data = tmp.resolve("data");
        Files.createDirectories(data.resolve("blobs/ab"));
        Files.writeString(data.resolve("node.key"), "key");
        Files.writeString(data.resolve("config.toml"), "[http]\nport = 1\n");
        Files.write(data.resolve("blobs/ab/sha256-abcd"), new byte[300_000]);
        Files.writeString(data.resolve("blobs/ab/upload.tmp"), "unfinished");
        return data;
    }

    @Test
    void roundTripRestoresEveryFileAndSetsTheOldOnesAside() throws Exception {
        Path data = dataDirWithFiles();
        Path snapshot = tmp.resolve("snap.db");
        Files.writeString(snapshot, "database bytes");
        List<Long> progress = new ArrayList<>();
        Path archive = tmp.resolve("b.zip");
        BackupManifest m = BackupWriter.write(archive, snapshot, data, "id1", "v", (item, done, total) -> progress.add(done));
        assertThat(m.items()).extracting(BackupManifest.Item::name)
                .containsExactly("node.db", "node.key", "config.toml", "blobs/ab/sha256-abcd");
        assertThat(progress).isNotEmpty().isSorted();
        assertThat(archive.resolveSibling("b.zip.partial")).doesNotExist();

        Path fresh = tmp.resolve("fresh");
        BackupRestorer.Result r = BackupRestorer.restore(archive, fresh, BackupProgress.NONE);
        assertThat(r.setAside()).isEmpty();
        assertThat(r.configRestored()).isTrue();
        assertThat(Files.readString(fresh.resolve("node.db"))).isEqualTo("database bytes");
        assertThat(Files.readString(fresh.resolve("node.key"))).isEqualTo("key");
        assertThat(Files.size(fresh.resolve("blobs/ab/sha256-abcd"))).isEqualTo(300_000);

        // over an existing node: its files are set aside, its config stays
        Files.writeString(data.resolve("node.db"), "newer database");
        Files.writeString(data.resolve("node.db.instance"), "marker");
        BackupRestorer.Result over = BackupRestorer.restore(archive, data, BackupProgress.NONE);
        assertThat(Files.readString(data.resolve("node.db"))).isEqualTo("database bytes");
        assertThat(data.resolve("node.db.instance")).doesNotExist();
        assertThat(Files.readString(over.setAside().orElseThrow().resolve("node.db"))).isEqualTo("newer database");
        assertThat(data.resolve("config.toml.from-backup")).exists();
        try (var leftovers = Files.list(data)) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".restore-"));
        }
    }

    /** Builds an archive by hand: entries as given, manifest listing {@code listed} (name → bytes it claims). */
    private Path archive(Map<String, byte[]> entries, String manifestJson) throws IOException {
        Path p = tmp.resolve("hostile-" + System.nanoTime() + ".zip");
        try (OutputStream f = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(f)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
            if (manifestJson != null) {
                z.putNextEntry(new ZipEntry("manifest.json"));
                z.write(manifestJson.getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return p;
    }

    private static String item(String name, byte[] bytes) throws Exception {
        String sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        return "{\"name\":\"" + name + "\",\"size\":" + bytes.length + ",\"sha256\":\"" + sha + "\"}";
    }

    private static String manifest(String... items) {
        return "{\"format\":1,\"nodeId\":\"x\",\"items\":[" + String.join(",", items) + "]}";
    }

    @Test
    void hostileAndDamagedArchivesAreRefusedBeforeAnythingIsReplaced() throws Exception {
        Path data = tmp.resolve("victim");
        Files.createDirectories(data);
        Files.writeString(data.resolve("node.db"), "precious");
        byte[] db = "db".getBytes();
        byte[] key = "k".getBytes();
        byte[] evil = "evil".getBytes();
        List<Path> bad = List.of(
                archive(Map.of("node.db", db, "node.key", key), null), // no manifest
                archive(Map.of("node.db", db, "node.key", key), "not json"),
                archive(Map.of("node.db", db, "node.key", key), "{\"format\":99,\"items\":[]}"),
                archive(Map.of("node.db", db), manifest(item("node.db", db))), // no identity
                archive(Map.of("node.db", db, "node.key", key, "../escape", evil),
                        manifest(item("node.db", db), item("node.key", key), item("../escape", evil))),
                archive(Map.of("node.db", db, "node.key", key, "blobs/../../x", evil),
                        manifest(item("node.db", db), item("node.key", key), item("blobs/../../x", evil))),
                archive(Map.of("node.db", db, "node.key", key, "/etc/passwd", evil),
                        manifest(item("node.db", db), item("node.key", key))), // unlisted entry
                archive(Map.of("node.db", "tampered".getBytes(), "node.key", key),
                        manifest(item("node.db", db), item("node.key", key))), // hash/size mismatch
                archive(Map.of("node.db", new byte[5_000_000], "node.key", key),
                        manifest("{\"name\":\"node.db\",\"size\":10,\"sha256\":\"" + "0".repeat(64) + "\"}",
                                item("node.key", key))), // more bytes than claimed (bomb)
                archive(Map.of("node.db", db), manifest(item("node.db", db), item("node.key", key)))); // listed, absent
        for (Path a : bad) {
            assertThatThrownBy(() -> BackupRestorer.restore(a, data, BackupProgress.NONE))
                    .as(a.toString()).isInstanceOf(BackupException.class);
            assertThat(Files.readString(data.resolve("node.db"))).isEqualTo("precious");
        }
        Path notZip = tmp.resolve("not.zip");
        Files.writeString(notZip, "hello");
        assertThatThrownBy(() -> BackupRestorer.restore(notZip, data, BackupProgress.NONE)).isInstanceOf(BackupException.class);
        assertThat(tmp.resolve("escape")).doesNotExist();
        try (var leftovers = Files.list(data)) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).containsExactly("node.db");
        }
    }
}
