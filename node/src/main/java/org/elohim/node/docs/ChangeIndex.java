package org.elohim.node.docs;

import java.util.Optional;
import java.util.function.Function;

/** The stored change graph of documents, for protocols that sync changes by hash without the CRDT engine. */
public interface ChangeIndex {
    /** Runs {@code fn} on the document's owner, with a view that must not escape it; empty if absent. */
    <T> Optional<T> withChanges(String docId, Function<ChangeView, T> fn);
}
