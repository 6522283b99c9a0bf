package org.elohim.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseTest {
    @TempDir
    Path dir;

    private static long count(Database db, String table) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static CompletableFuture<Void> insert(Database db, long v) {
        return db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t(v) VALUES(?)")) {
                ps.setLong(1, v);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Test
    void opensWalWithFullSync() {
        try (Database db = Database.open(dir)) {
            assertThat(db.file()).isEqualTo(dir.resolve("node.db"));
            String mode = db.read(c -> {
                try (ResultSet rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
                    rs.next();
                    return rs.getString(1);
                }
            });
            int sync = Database.join(db.write(c -> {
                try (ResultSet rs = c.createStatement().executeQuery("PRAGMA synchronous")) {
                    rs.next();
                    return rs.getInt(1);
                }
            }));
            assertThat(mode).isEqualToIgnoringCase("wal");
            assertThat(sync).isEqualTo(2); // FULL
        }
    }

    @Test
    void migrationsAreVersionedPerComponentAndIdempotent() {
        List<String> v1 = List.of("CREATE TABLE t(v INTEGER); CREATE INDEX t_v ON t(v)");
        List<String> v2 = List.of(v1.get(0), "ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'x;y'");
        try (Database db = Database.open(dir)) {
            assertThat(db.migrate("comp", v1)).isEqualTo(1);
            assertThat(db.migrate("comp", v1)).isEqualTo(1);
            assertThat(db.migrate("other", List.of("CREATE TABLE o(x)"))).isEqualTo(1);
            assertThat(db.migrate("comp", v2)).isEqualTo(2);
            assertThat(db.schemaVersion("comp")).isEqualTo(2);
        }
        try (Database db = Database.open(dir)) {
            assertThat(db.migrate("comp", v2)).isEqualTo(2); // nothing re-run: CREATE TABLE t would fail
            assertThat(db.schemaVersion("other")).isEqualTo(1);
            assertThatThrownBy(() -> db.migrate("comp", v1)).hasMessageContaining("newer");
            Database.join(insert(db, 1));
            String note = db.read(c -> {
                try (ResultSet rs = c.createStatement().executeQuery("SELECT note FROM t")) {
                    rs.next();
                    return rs.getString(1);
                }
            });
            assertThat(note).isEqualTo("x;y");
        }
    }

    @Test
    void failingJobRollsBackAloneAndOthersCommit() {
        try (Database db = Database.open(dir)) {
            db.migrate("t", List.of("CREATE TABLE t(v INTEGER)"));
            CompletableFuture<Void> a = insert(db, 1);
            CompletableFuture<Void> b = db.write(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO t(v) VALUES(2)")) {
                    ps.executeUpdate();
                }
                throw new IllegalStateException("boom");
            });
            CompletableFuture<Void> cc = insert(db, 3);
            Database.join(a);
            Database.join(cc);
            assertThatThrownBy(b::join).isInstanceOf(CompletionException.class).hasRootCauseMessage("boom");
            List<Long> values = db.read(c -> {
                List<Long> out = new ArrayList<>();
                try (ResultSet rs = c.createStatement().executeQuery("SELECT v FROM t ORDER BY v")) {
                    while (rs.next()) out.add(rs.getLong(1));
                }
                return out;
            });
            assertThat(values).containsExactly(1L, 3L);
            assertThat(db.stats().failedJobs()).isEqualTo(1);
        }
    }

    @Test
    void concurrentWritersAreGroupCommittedAndAllDurable() throws Exception {
        int threads = 16;
        int perThread = 100;
        try (Database db = Database.open(dir)) {
            db.migrate("t", List.of("CREATE TABLE t(v INTEGER)"));
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<CompletableFuture<Void>> all = new ArrayList<>();
            List<java.util.concurrent.Future<?>> submitted = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                submitted.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        CompletableFuture<Void> f = insert(db, base + i);
                        synchronized (all) {
                            all.add(f);
                        }
                        if (i % 10 == 0) f.join(); // mix of waiting and pipelined writers
                    }
                }));
            }
            for (var f : submitted) f.get(30, TimeUnit.SECONDS);
            pool.shutdown();
            CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
            assertThat(db.stats().writeJobs()).isGreaterThanOrEqualTo(threads * perThread);
            assertThat(db.stats().commits()).isLessThanOrEqualTo(db.stats().writeJobs());
        }
        try (Database db = Database.open(dir)) {
            assertThat(count(db, "t")).isEqualTo(threads * perThread);
        }
    }

    @Test
    void writeFromInsideAWriteJobFailsInsteadOfDeadlocking() {
        try (Database db = Database.open(dir)) {
            CompletableFuture<Object> f = db.write(c -> db.write(c2 -> null));
            assertThatThrownBy(f::join).hasRootCauseInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void writesAfterCloseFail() {
        Database db = Database.open(dir);
        db.close();
        assertThatThrownBy(() -> db.write(c -> null).join()).hasRootCauseMessage("database closed");
    }

    @Test
    void readersCannotWrite() {
        try (Database db = Database.open(dir)) {
            db.migrate("t", List.of("CREATE TABLE t(v INTEGER)"));
            assertThatThrownBy(() -> db.read(c -> c.createStatement().executeUpdate("INSERT INTO t(v) VALUES(1)")))
                    .isInstanceOf(StorageException.class);
            assertThat(count(db, "t")).isZero();
        }
    }

    @Test
    void splitsScriptsOutsideQuotes() {
        assertThat(Database.splitStatements("A; B 'x;y' ;\n C;"))
                .containsExactly("A", "B 'x;y'", "C");
    }
}
