package org.elohim.sync;

import java.util.List;
import org.elohim.api.v1.Reach;

/**
 * The changes a requester misses of one document, already cut into parts that each fit a
 * message (at change boundaries), with the document's heads, reach and owner.
 */
public record DocChanges(List<byte[]> parts, List<byte[]> heads, Reach reach, String owner) {
    public DocChanges {
        parts = List.copyOf(parts);
        heads = List.copyOf(heads);
    }
}
