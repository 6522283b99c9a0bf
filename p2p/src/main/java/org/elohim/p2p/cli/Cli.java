package org.elohim.p2p.cli;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Small helpers for the p2p subcommands. */
final class Cli {
    private Cli() {
    }

    /** A one-line reason for a failed future, without wrapper exceptions. */
    static String reason(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof TimeoutException) {
            return "timed out";
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** Parses sizes like 1048576, 64KiB, 10MiB, 1GiB, 10MB. */
    static long parseSize(String text) {
        String s = text.trim();
        long mult = 1;
        String[][] units = {{"KIB", "1024"}, {"MIB", "1048576"}, {"GIB", "1073741824"},
                {"KB", "1000"}, {"MB", "1000000"}, {"GB", "1000000000"}, {"K", "1024"}, {"M", "1048576"}, {"G", "1073741824"}};
        String upper = s.toUpperCase();
        for (String[] u : units) {
            if (upper.endsWith(u[0])) {
                mult = Long.parseLong(u[1]);
                s = s.substring(0, s.length() - u[0].length()).trim();
                break;
            }
        }
        long v = Long.parseLong(s);
        if (v < 0) {
            throw new IllegalArgumentException("negative size: " + text);
        }
        return Math.multiplyExact(v, mult);
    }
}
