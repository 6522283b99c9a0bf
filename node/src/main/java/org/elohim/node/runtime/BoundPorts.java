package org.elohim.node.runtime;

/** The ports a started node actually listens on (useful when the config asked for port 0); p2p is 0 when off. */
public record BoundPorts(int http, int grpc, int p2p) {
}
