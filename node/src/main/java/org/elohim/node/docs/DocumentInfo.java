package org.elohim.node.docs;

import java.util.List;
import org.elohim.node.reach.Reach;

/** What the node knows about one stored document without loading it. */
public record DocumentInfo(String docId, Reach reach, String owner, long updatedAtMillis,
                           List<byte[]> heads, long sizeBytes) {
}
