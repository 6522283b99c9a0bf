package org.elohim.node.device;

/** A device paired with this node. */
public record RegisteredDevice(String deviceId, String owner, String name, byte[] publicKey, long pairedAtMillis,
                               boolean revoked) {
}
