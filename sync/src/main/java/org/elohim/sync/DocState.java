package org.elohim.sync;

import java.util.List;
import org.elohim.api.v1.Reach;

/** What the engine needs to know of a stored document: its heads (raw 32-byte hashes), reach and owner. */
public record DocState(String docId, List<byte[]> heads, Reach reach, String owner) {
    public DocState {
        heads = List.copyOf(heads);
    }
}
