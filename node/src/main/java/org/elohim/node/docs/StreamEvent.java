package org.elohim.node.docs;

import java.util.List;

/** One entry of the node's durable stream (sync_events). */
public record StreamEvent(long seq, String docId, List<byte[]> heads, EventKind kind, long timestampMillis) {
}
