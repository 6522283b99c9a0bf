package org.elohim.node.blobs;

/** A stored, complete blob. {@code contentType} is the one its reader should be told. */
public record BlobInfo(BlobId id, long size, int chunkCount, long createdAtMillis, String contentType) {
}
