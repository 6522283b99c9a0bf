package org.elohim.node.automergesync;

/** Bytes that are not a well-formed Automerge sync message (or exceed a limit). */
public final class SyncMessageException extends RuntimeException {
    public SyncMessageException(String message) {
        super(message);
    }
}
