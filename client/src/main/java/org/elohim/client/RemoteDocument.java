package org.elohim.client;

/** A document the node lists for this device (only what its reach lets the device receive). */
public record RemoteDocument(String docId, Reach reach, String owner, long updatedAtMillis, long sizeBytes) {
}
