package org.elohim.node.changes;

import java.util.List;

/** One Automerge storage chunk, checked for framing and checksum. */
public sealed interface Chunk permits Chunk.Change, Chunk.Document {

    /**
     * A change, always in its uncompressed (type 1) form: {@code bytes} is the whole chunk,
     * {@code hash} its SHA-256 change hash, {@code deps} its dependencies (sorted, as encoded).
     */
    record Change(byte[] hash, List<byte[]> deps, byte[] bytes) implements Chunk {
    }

    /** A whole saved document (type 0); its heads are readable, its individual changes are not. */
    record Document(List<byte[]> heads, byte[] bytes) implements Chunk {
    }
}
