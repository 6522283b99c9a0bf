package org.elohim.node.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.device.DeviceAuthenticator;
import org.elohim.node.device.DeviceRegistry;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.reach.ReachEnforcer;

/** What a component mounted on a running node (a WebSocket endpoint, a protocol handler) may use. */
public record NodeContext(NodeConfig config, String nodeId, DocumentService documents, ReachEnforcer reach,
                          DeviceRegistry devices, DeviceAuthenticator authenticator, MeterRegistry metrics) {
}
