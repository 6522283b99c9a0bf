package org.elohim.node.blobs;

import org.elohim.node.reach.Reach;

/** One owner's standalone upload of a blob: the reach and content type it declared. */
public record BlobOwnership(String owner, Reach reach, String contentType, long createdAtMillis) {
}
