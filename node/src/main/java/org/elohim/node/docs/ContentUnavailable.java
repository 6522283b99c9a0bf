package org.elohim.node.docs;

/**
 * The document exists and syncs, but its content cannot be materialized now: it is larger than
 * the materialize budget ({@code storage.materialize_budget_mb}), or the budget stayed taken.
 */
public final class ContentUnavailable extends RuntimeException {
    public ContentUnavailable(String message) {
        super(message);
    }
}
