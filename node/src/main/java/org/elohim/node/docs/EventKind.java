package org.elohim.node.docs;

/** Spec event kinds; declaration order is sync priority (Local first). */
public enum EventKind {
    /** Created locally (by this node or one of its own devices). */
    LOCAL,
    /** Just received from a peer; propagate quickly. */
    NEW,
    /** Historical catch-up. */
    BACKFILL,
    /** Referenced before its content arrived; resolved later. */
    OUTLIER
}
