package org.elohim.node.backup;

/** A backup cannot be written, or an archive cannot be restored (malformed, corrupt, unsafe): nothing was replaced. */
public final class BackupException extends RuntimeException {
    public BackupException(String message) {
        super(message);
    }

    public BackupException(String message, Throwable cause) {
        super(message, cause);
    }
}
