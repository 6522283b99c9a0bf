package org.elohim.node.automergesync;

import java.util.List;

/**
 * One Automerge sync message (heads, need, have, changes; docs/SYNC-PROTOCOL.md). Hashes are
 * 32 bytes. {@code changes} entries are byte strings of one or more concatenated chunks.
 * {@code flags} is the optional trailer's flag bits (-1 when absent); this node never sends one,
 * so peers send it changes, never whole documents.
 */
public record SyncMessage(int type, List<byte[]> heads, List<byte[]> need, List<Have> have, List<byte[]> changes,
                          int flags) {
    public static final int V1 = 0x42;
    public static final int V2 = 0x43;

    /** What the sender has since {@code lastSync}, as a Bloom filter of those change hashes (encoded). */
    public record Have(List<byte[]> lastSync, byte[] bloom) {
    }

    public static SyncMessage v1(List<byte[]> heads, List<byte[]> need, List<Have> have, List<byte[]> changes) {
        return new SyncMessage(V1, heads, need, have, changes, -1);
    }
}
