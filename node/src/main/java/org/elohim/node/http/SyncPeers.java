package org.elohim.node.http;

import java.util.Set;

/** Which peers (devices or nodes) have a live sync session right now. */
@FunctionalInterface
public interface SyncPeers {
    Set<String> connected();

    SyncPeers NONE = Set::of;
}
