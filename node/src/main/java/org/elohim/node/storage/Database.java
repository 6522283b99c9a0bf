package org.elohim.node.storage;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's SQLite file ({@code <dataDir>/node.db}).
 *
 * <p>One writer connection owned by one thread does group commit: write jobs queue up, the writer
 * drains whatever is waiting into ONE transaction, COMMITs, and only then completes the jobs'
 * futures (a failing job makes the batch re-run one job per transaction, so it fails alone). Readers use a small
 * pool of query-only connections; WAL lets them read while the writer writes.
 *
 * <p>Durability: {@code journal_mode=WAL} + {@code synchronous=FULL}. In WAL mode FULL fsyncs the
 * WAL at every COMMIT, so a completed future survives kill -9 AND power loss (NORMAL would only
 * survive a process crash: the last commits could roll back on power loss). The fsync cost is
 * paid once per batch, not per write, which is what group commit is for.
 */
public final class Database implements AutoCloseable {
    public static final String FILE_NAME = "node.db";
    private static final Logger log = LoggerFactory.getLogger(Database.class);
    private static final int MAX_BATCH = 2048;
    /** Writes waiting for the writer at most; beyond, {@link #write} answers busy at once. */
    public static final int DEFAULT_MAX_QUEUED_WRITES = 16_384;
    private static final int BUSY_TIMEOUT_MS = 10_000;

    private final Path file;
    private final Connection writer;
    private final BlockingQueue<Connection> readers;
    private final List<Connection> allReaders = new ArrayList<>();
    private final BlockingQueue<WriteJob<?>> queue;
    private final int maxQueued;
    private final Thread writerThread;
    // Futures complete here, after COMMIT, so callbacks never run on (or block) the writer thread.
    private final ExecutorService completions;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder commits = new LongAdder();
    private final LongAdder jobs = new LongAdder();
    private final LongAdder failedJobs = new LongAdder();
    private final LongAdder busyRejections = new LongAdder();
    private final LongAdder commitNanos = new LongAdder();
    private volatile long lastCommitNanos;
    // Prepared statements of the writer connection, reused across jobs (compiling SQL per write
    // costs more than running it). Touched only on the writer thread.
    private final java.util.Map<String, PreparedStatement> writerStatements = new java.util.HashMap<>();
    private final Timer commitTimer;

    private Database(Path file, int readerCount, MeterRegistry registry, int maxQueued) throws SQLException {
        this.file = file;
        this.maxQueued = Math.max(1, maxQueued);
        this.queue = new LinkedBlockingQueue<>(this.maxQueued);
        this.writer = connect(file, false);
        this.readers = new ArrayBlockingQueue<>(readerCount);
        try {
            for (int i = 0; i < readerCount; i++) {
                Connection c = connect(file, true);
                allReaders.add(c);
                readers.add(c);
            }
        } catch (SQLException e) {
            closeQuietly();
            throw e;
        }
        this.commitTimer = registry == null ? null
                : Timer.builder("elohim.storage.commit").description("SQLite group-commit latency")
                        .publishPercentiles(0.5, 0.99).register(registry);
        this.completions = Executors.newSingleThreadExecutor(r -> daemon(r, "db-completions"));
        this.writerThread = daemon(this::writerLoop, "db-writer");
        writerThread.start();
    }

    /** Opens (creating if needed) {@code <dataDir>/node.db}. */
    public static Database open(Path dataDir) {
        return open(dataDir, 4, null);
    }

    public static Database open(Path dataDir, int readerCount, MeterRegistry registry) {
        return open(dataDir, readerCount, registry, DEFAULT_MAX_QUEUED_WRITES);
    }

    /** With at most {@code maxQueuedWrites} writes waiting for the writer (bounded memory under load). */
    public static Database open(Path dataDir, int readerCount, MeterRegistry registry, int maxQueuedWrites) {
        try {
            Files.createDirectories(dataDir);
            return new Database(dataDir.resolve(FILE_NAME), Math.max(1, readerCount), registry, maxQueuedWrites);
        } catch (Exception e) {
            throw new StorageException("cannot open database in " + dataDir, e);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static Connection connect(Path file, boolean queryOnly) throws SQLException {
        Properties p = new Properties();
        p.setProperty("busy_timeout", Integer.toString(BUSY_TIMEOUT_MS));
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), p);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout=" + BUSY_TIMEOUT_MS);
            if (!queryOnly) {
                try (ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
                    if (!rs.next() || !"wal".equalsIgnoreCase(rs.getString(1))) {
                        throw new SQLException("could not switch " + file + " to WAL");
                    }
                }
            }
            s.execute("PRAGMA synchronous=FULL");
            s.execute("PRAGMA foreign_keys=ON");
            if (queryOnly) s.execute("PRAGMA query_only=1");
        }
        return c;
    }

    /**
     * The thread that completes write futures (after COMMIT). Components hand their own futures'
     * completions to it too, so callers' callbacks never run on their internal threads.
     */
    Executor callbackExecutor() {
        return completions;
    }

    public Path file() {
        return file;
    }

    /**
     * Queues {@code work} for the writer thread; the future completes after the transaction that
     * contains it is committed (durably), or exceptionally if the work or the commit failed (then
     * nothing of this work is stored). If {@link #DEFAULT_MAX_QUEUED_WRITES} (or the configured
     * bound) writes are already waiting, fails at once with {@link StorageBusyException}.
     */
    public <T> CompletableFuture<T> write(SqlWork<T> work) {
        Objects.requireNonNull(work);
        if (Thread.currentThread() == writerThread) {
            // Waiting on our own queue would deadlock; inside a job, just use the connection given.
            throw new IllegalStateException("write() called from inside a write job");
        }
        WriteFuture<T> f = new WriteFuture<>();
        if (closed.get()) {
            f.completeExceptionally(new IllegalStateException("database closed"));
            return f;
        }
        if (!queue.offer(new WriteJob<>(work, f))) {
            busyRejections.increment();
            f.completeExceptionally(new StorageBusyException("storage busy: " + maxQueued + " writes already queued"));
        }
        return f;
    }

    /**
     * Inside a write job: a prepared statement for {@code sql} on the writer connection, cached
     * for the life of the database. Do NOT close it; parameters are cleared before it is returned.
     */
    public PreparedStatement cached(Connection c, String sql) throws SQLException {
        if (Thread.currentThread() != writerThread || c != writer) {
            throw new IllegalStateException("cached statements exist only inside write jobs");
        }
        PreparedStatement ps = writerStatements.get(sql);
        if (ps == null) {
            ps = writer.prepareStatement(sql);
            writerStatements.put(sql, ps);
        } else {
            ps.clearParameters();
        }
        return ps;
    }

    /** Runs {@code work} on a query-only connection (sees everything committed so far). */
    public <T> T read(SqlWork<T> work) {
        if (closed.get()) throw new IllegalStateException("database closed");
        Connection c;
        try {
            c = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted waiting for a reader", e);
        }
        try {
            return work.run(c);
        } catch (SQLException e) {
            throw new StorageException("read failed: " + e.getMessage(), e);
        } finally {
            readers.add(c);
        }
    }

    /**
     * Applies this component's schema versions it has not applied yet, in order, in one
     * transaction. Element i of {@code statementsPerVersion} is version i+1: one or several SQL
     * statements separated by ';' (no triggers). Idempotent; returns the component's version.
     */
    public int migrate(String component, List<String> statementsPerVersion) {
        List<String> versions = List.copyOf(statementsPerVersion);
        return join(write(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_versions(component TEXT PRIMARY KEY,"
                        + " version INTEGER NOT NULL)");
            }
            int current = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT version FROM schema_versions WHERE component=?")) {
                ps.setString(1, component);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) current = rs.getInt(1);
                }
            }
            if (current > versions.size()) {
                throw new SQLException("schema of " + component + " is version " + current
                        + ", newer than this program knows (" + versions.size() + ")");
            }
            for (int v = current + 1; v <= versions.size(); v++) {
                try (Statement s = c.createStatement()) {
                    for (String sql : splitStatements(versions.get(v - 1))) s.execute(sql);
                }
            }
            if (versions.size() > current) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO schema_versions(component, version) VALUES(?,?)"
                                + " ON CONFLICT(component) DO UPDATE SET version=excluded.version")) {
                    ps.setString(1, component);
                    ps.setInt(2, versions.size());
                    ps.executeUpdate();
                }
            }
            return versions.size();
        }));
    }

    /** Current schema version of a component (0 if it never migrated). */
    public int schemaVersion(String component) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT version FROM schema_versions WHERE component=?")) {
                ps.setString(1, component);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : 0;
                }
            } catch (SQLException e) {
                if (e.getMessage() != null && e.getMessage().contains("no such table")) return 0;
                throw e;
            }
        });
    }

    static List<String> splitStatements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < script.length(); i++) {
            char ch = script.charAt(i);
            if (quote != 0) {
                if (ch == quote) quote = 0;
            } else if (ch == '\'' || ch == '"') {
                quote = ch;
            } else if (ch == ';') {
                if (!cur.toString().isBlank()) out.add(cur.toString().trim());
                cur.setLength(0);
                continue;
            }
            cur.append(ch);
        }
        if (!cur.toString().isBlank()) out.add(cur.toString().trim());
        return out;
    }

    /**
     * Writes a consistent copy of the database to {@code target} (VACUUM INTO on a connection of
     * its own: VACUUM cannot run inside the writer's transactions nor on a query-only reader).
     */
    public void backupTo(Path target) {
        try (Connection c = connect(file, false); PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
            ps.setString(1, target.toAbsolutePath().toString());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StorageException("backup to " + target + " failed: " + e.getMessage(), e);
        }
    }

    /** Waits for a write and unwraps its failure. */
    public static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) throw re;
            if (cause instanceof Error er) throw er;
            throw new StorageException(String.valueOf(cause.getMessage()), cause);
        }
    }

    public DatabaseStats stats() {
        long n = commits.sum();
        return new DatabaseStats(n, jobs.sum(), failedJobs.sum(), queue.size(),
                n == 0 ? 0 : commitNanos.sum() / n, lastCommitNanos, busyRejections.sum());
    }

    /** Counters of the writer: commits, jobs, failed jobs, queue depth, mean/last commit time, writes refused as busy. */
    public record DatabaseStats(long commits, long writeJobs, long failedJobs, int queueDepth,
                                long meanCommitNanos, long lastCommitNanos, long busyRejections) {
    }

    private void writerLoop() {
        List<WriteJob<?>> batch = new ArrayList<>();
        while (true) {
            try {
                WriteJob<?> first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed.get() && queue.isEmpty()) return;
                    continue;
                }
                if (first.work == null) return; // poison pill from close()
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                WriteJob<?> pill = null;
                if (batch.get(batch.size() - 1).work == null) pill = batch.remove(batch.size() - 1);
                runBatch(batch);
                batch.clear();
                if (pill != null) return;
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                log.error("writer loop failure", t);
                for (WriteJob<?> j : batch) j.fail(t, completions);
                batch.clear();
            }
        }
    }

    /**
     * One transaction for the whole batch. If a job fails, the transaction is rolled back and the
     * jobs are run again one transaction each, so only the failing job fails (cheaper on the
     * common path than a SAVEPOINT per job). Jobs must therefore not have effects outside SQL.
     */
    private void runBatch(List<WriteJob<?>> batch) {
        long start = System.nanoTime();
        Object[] results = new Object[batch.size()];
        try {
            writer.setAutoCommit(false);
            for (int i = 0; i < batch.size(); i++) results[i] = batch.get(i).work.run(writer);
            writer.commit();
        } catch (Throwable t) {
            rollbackQuietly();
            forgetCachedStatements();
            if (batch.size() == 1) {
                failedJobs.increment();
                batch.get(0).fail(t, completions);
            } else {
                for (WriteJob<?> job : batch) runBatch(List.of(job));
            }
            return;
        } finally {
            try {
                writer.setAutoCommit(true);
            } catch (SQLException ignored) {
                // next batch sets it again
            }
        }
        long took = System.nanoTime() - start;
        commits.increment();
        jobs.add(batch.size());
        commitNanos.add(took);
        lastCommitNanos = took;
        if (commitTimer != null) commitTimer.record(took, TimeUnit.NANOSECONDS);
        for (int i = 0; i < batch.size(); i++) batch.get(i).complete(results[i], completions);
    }

    /**
     * A statement that failed mid-step (e.g. SQLITE_FULL) can stay unusable ("statement is not executing"),
     * failing every later job that reuses it even once there is room again: after a failure, prepare anew.
     */
    private void forgetCachedStatements() {
        for (PreparedStatement ps : writerStatements.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // dropped either way
            }
        }
        writerStatements.clear();
    }

    private void rollbackQuietly() {
        try {
            writer.rollback();
        } catch (SQLException ignored) {
            // the job's failure is what gets reported
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            // The writer drains the queue, so room for the poison pill comes.
            if (!queue.offer(new WriteJob<>(null, new CompletableFuture<>()), 30, TimeUnit.SECONDS)) {
                log.warn("database writer did not take the close request");
            }
            writerThread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (WriteJob<?> j; (j = queue.poll()) != null; ) {
            if (j.work != null) j.future.completeExceptionally(new IllegalStateException("database closed"));
        }
        completions.shutdown();
        try {
            completions.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (PreparedStatement ps : writerStatements.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // closing
            }
        }
        try (Statement s = writer.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (SQLException e) {
            log.debug("checkpoint at close failed", e);
        }
        closeQuietly();
    }

    private void closeQuietly() {
        for (Connection c : allReaders) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing
            }
        }
        try {
            writer.close();
        } catch (SQLException ignored) {
            // closing
        }
    }

    /**
     * The future of a write. Besides completing (on the completion thread, after COMMIT), it can be
     * waited on for the COMMIT itself ({@link #awaitSettled}), which does not need the completion
     * thread: for code that must wait while that thread may be busy calling back into it.
     */
    public static final class WriteFuture<T> extends CompletableFuture<T> {
        private final java.util.concurrent.CountDownLatch settled = new java.util.concurrent.CountDownLatch(1);
        private volatile boolean failed;

        /**
         * True once the writer knows this write failed (before the future completes). A later job
         * that builds on this write checks it on the writer thread and fails too, so nothing is
         * stored on top of a write that was not.
         */
        public boolean failedInWriter() {
            return failed;
        }

        /** Waits until the write was committed or failed; false on timeout. */
        public boolean awaitSettled(long timeout, TimeUnit unit) throws InterruptedException {
            return isDone() || settled.await(timeout, unit);
        }
    }

    private record WriteJob<T>(SqlWork<T> work, CompletableFuture<T> future) {
        @SuppressWarnings("unchecked")
        void complete(Object result, ExecutorService on) {
            settle();
            on.execute(() -> future.complete((T) result));
        }

        void fail(Throwable t, ExecutorService on) {
            Throwable cause = t instanceof SQLException ? new StorageException(t.getMessage(), t) : t;
            if (future instanceof WriteFuture<?> w) w.failed = true;
            settle();
            on.execute(() -> future.completeExceptionally(cause));
        }

        private void settle() {
            if (future instanceof WriteFuture<?> w) w.settled.countDown();
        }
    }
}
