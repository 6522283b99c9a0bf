package org.elohim.client;

/** The outcome of pairing: this device's id, the family member it belongs to, and the node. */
public record Pairing(String deviceId, String owner, String nodeId) {
}
