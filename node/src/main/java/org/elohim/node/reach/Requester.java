package org.elohim.node.reach;

/**
 * Who is asking, as proved cryptographically (never as claimed). DESIGN §6.
 */
public sealed interface Requester {

    /** A paired device; {@code owner} is the family member it belongs to. */
    record Device(String deviceId, String owner) implements Requester {
    }

    /** A node of my own cluster (proved the cluster key). */
    record ClusterNode(String peerId) implements Requester {
    }

    /** A node or device of a configured trusted cluster. */
    record TrustedPeer(String peerId) implements Requester {
    }

    /** Anyone else, including unauthenticated callers. */
    record Anonymous() implements Requester {
    }

    Anonymous ANONYMOUS = new Anonymous();
}
