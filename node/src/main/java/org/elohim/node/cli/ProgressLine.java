package org.elohim.node.cli;

import java.io.PrintWriter;
import java.util.Locale;
import org.elohim.node.backup.BackupProgress;

/** Progress of a long copy on stderr: a line at most every second, and one at the end. */
final class ProgressLine implements BackupProgress {
    private final PrintWriter err;
    private final String what;
    private long lastPrint = System.nanoTime();
    private long done;
    private long total;

    ProgressLine(PrintWriter err, String what) {
        this.err = err;
        this.what = what;
    }

    @Override
    public void update(String item, long doneBytes, long totalBytes) {
        done = doneBytes;
        total = totalBytes;
        long now = System.nanoTime();
        if (now - lastPrint >= 1_000_000_000L) {
            lastPrint = now;
            err.printf(Locale.ROOT, "%s: %3d%%  %s of %s  (%s)%n", what, percent(), size(done), size(total), item);
            err.flush();
        }
    }

    void done() {
        err.printf(Locale.ROOT, "%s: 100%%  %s%n", what, size(Math.max(done, total)));
        err.flush();
    }

    private int percent() {
        return total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
    }

    static String size(long bytes) {
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        if (bytes < 1024L * 1024 * 1024) return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
        return String.format(Locale.ROOT, "%.2f GiB", bytes / 1073741824.0);
    }
}
