package org.elohim.node.cli;

/** Exit statuses of the CLI, so scripts can tell failures apart. */
public final class ExitCodes {
    public static final int OK = 0;
    /** The operation failed (I/O, the node answered an error). */
    public static final int FAILURE = 1;
    /** Bad command line (picocli's convention). */
    public static final int USAGE = 2;
    /** The document (or other named thing) does not exist. */
    public static final int NOT_FOUND = 3;
    /** No node is running on that data directory / URL. */
    public static final int NOT_RUNNING = 4;
    /** config.toml or a setting is invalid, or the data directory is unusable. */
    public static final int CONFIG = 5;
    /** The node could not start (data directory in use, port taken...). */
    public static final int START_FAILED = 6;

    private ExitCodes() {
    }
}
