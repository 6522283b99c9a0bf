package org.elohim.node.docs;

import java.util.List;

/**
 * Published after a change to a document is durably committed: the fan-out hook for live
 * subscribers (gRPC Sync sessions, /ws, automerge-repo peers, later cluster siblings).
 * {@code origin} names the session that caused it so it can skip echoing to itself.
 */
public record DocumentChange(String docId, List<byte[]> oldHeads, List<byte[]> newHeads, EventKind kind,
                             String origin, long seq) {
}
