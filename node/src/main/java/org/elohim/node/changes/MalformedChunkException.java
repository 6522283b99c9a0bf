package org.elohim.node.changes;

/** Bytes that are not well-formed Automerge chunks (framing, checksum, header or size limit). */
public final class MalformedChunkException extends RuntimeException {
    public MalformedChunkException(String message) {
        super(message);
    }
}
