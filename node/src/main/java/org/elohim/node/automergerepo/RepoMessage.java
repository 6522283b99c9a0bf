package org.elohim.node.automergerepo;

import java.util.List;
import java.util.Map;

/**
 * One automerge-repo network message (protocol "1"): a CBOR map per WebSocket binary frame.
 * Absent optional fields (and CBOR undefined) are {@code null}.
 */
public sealed interface RepoMessage {

    String type();

    String senderId();

    /** {@code isEphemeral} null = not said (treated as ephemeral: nothing is persisted for it). */
    record PeerMetadata(String storageId, Boolean isEphemeral) {
        public boolean ephemeral() {
            return !Boolean.FALSE.equals(isEphemeral) || storageId == null;
        }
    }

    /** Client hello. */
    record Join(String senderId, PeerMetadata peerMetadata, List<String> supportedProtocolVersions)
            implements RepoMessage {
        public String type() {
            return "join";
        }
    }

    /** Server answer to a join. */
    record Peer(String senderId, String targetId, PeerMetadata peerMetadata, String selectedProtocolVersion)
            implements RepoMessage {
        public String type() {
            return "peer";
        }
    }

    /** Sent right before the sender closes the connection. */
    record Error(String senderId, String targetId, String message) implements RepoMessage {
        public String type() {
            return "error";
        }
    }

    /** An Automerge sync message for one document. */
    record Sync(String senderId, String targetId, String documentId, byte[] data) implements RepoMessage {
        public String type() {
            return "sync";
        }
    }

    /** Like sync, but says "I have no copy of this document". */
    record Request(String senderId, String targetId, String documentId, byte[] data) implements RepoMessage {
        public String type() {
            return "request";
        }
    }

    record DocUnavailable(String senderId, String targetId, String documentId) implements RepoMessage {
        public String type() {
            return "doc-unavailable";
        }
    }

    /** Application data (presence, cursors) relayed to the document's other peers, never stored. */
    record Ephemeral(String senderId, String targetId, String documentId, long count, String sessionId,
                     byte[] data) implements RepoMessage {
        public String type() {
            return "ephemeral";
        }
    }

    /** Storage ids whose heads the sender wants to (stop) hearing about. */
    record RemoteSubscriptionChange(String senderId, String targetId, List<String> add, List<String> remove)
            implements RepoMessage {
        public String type() {
            return "remote-subscription-change";
        }
    }

    /** Heads as bs58check strings; timestamp in epoch millis. */
    record HeadsAt(List<String> heads, long timestamp) {
    }

    record RemoteHeadsChanged(String senderId, String targetId, String documentId, Map<String, HeadsAt> newHeads)
            implements RepoMessage {
        public String type() {
            return "remote-heads-changed";
        }
    }

    /** A type this node does not know; JS peers drop these silently, and so do we. */
    record Unknown(String type, String senderId) implements RepoMessage {
    }
}
