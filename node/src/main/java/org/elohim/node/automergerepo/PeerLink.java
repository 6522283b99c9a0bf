package org.elohim.node.automergerepo;

/** The outbound side of one automerge-repo connection (a WebSocket in production, a recorder in tests). */
public interface PeerLink {
    /** WebSocket close codes used here. */
    int NORMAL = 1000;
    int PROTOCOL_ERROR = 1002;
    int POLICY_VIOLATION = 1008;

    void send(RepoMessage message);

    /** Closes the connection after whatever was sent before. */
    void close(int code, String reason);
}
