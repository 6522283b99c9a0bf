package org.elohim.client;

import java.util.List;

/** A document in the device's local store. {@code owner} is empty until the node has told us. */
public record LocalDocument(String docId, Reach reach, String owner, List<byte[]> heads, long updatedAtMillis,
                            long sizeBytes) {
}
