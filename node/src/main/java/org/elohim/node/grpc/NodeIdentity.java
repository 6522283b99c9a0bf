package org.elohim.node.grpc;

/** What the device API says about the node itself in {@code GetStatus} and {@code Pair}. */
public record NodeIdentity(String nodeId, String version) {
}
