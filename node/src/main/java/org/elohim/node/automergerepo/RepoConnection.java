package org.elohim.node.automergerepo;

import java.util.HashSet;
import java.util.Set;
import org.elohim.node.automergerepo.RepoMessage.PeerMetadata;
import org.elohim.node.reach.Requester;

/**
 * One automerge-repo peer connection as the hub sees it. All fields are touched only on the hub's
 * thread. {@code requester} is what the upgrade proved (never what the peer claims in its join).
 */
public final class RepoConnection {
    final Requester requester;
    final PeerLink link;
    String senderId;
    PeerMetadata metadata;
    boolean joined;
    boolean closed;
    int joins;
    final Set<String> documents = new HashSet<>();
    final Set<String> subscriptions = new HashSet<>();

    RepoConnection(Requester requester, PeerLink link) {
        this.requester = requester;
        this.link = link;
    }

    public Requester requester() {
        return requester;
    }

    /** The storageId whose sync states are persisted, or null for ephemeral peers. */
    String persistentStorageId() {
        return metadata == null || metadata.ephemeral() ? null : metadata.storageId();
    }

    String storageId() {
        return metadata == null ? null : metadata.storageId();
    }
}
