package org.elohim.node.storage;

/** An SQLite failure surfaced to callers that cannot handle {@link java.sql.SQLException}. */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
