package org.elohim.node.docs;

import java.util.Collection;
import java.util.List;
import org.elohim.node.changes.ChangeGraph;
import org.elohim.node.changes.Chunk;

/**
 * Read access to one document's change graph, valid only inside
 * {@link ChangeIndex#withChanges}: the applied changes (hashes, deps, application order), the
 * outliers (changes waiting for deps) and the bytes of changes by index.
 */
public interface ChangeView {
    ChangeGraph graph();

    Collection<Chunk.Change> outliers();

    /** Chunk bytes of the applied changes at {@code indices} (ascending), one array each. */
    List<byte[]> changes(int[] indices);
}
