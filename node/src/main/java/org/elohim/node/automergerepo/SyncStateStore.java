package org.elohim.node.automergerepo;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Encoded Automerge SyncStates of automerge-repo peers that are not ephemeral, by the peer's
 * storageId and document, so a reconnecting peer resumes where it left off instead of
 * re-announcing everything it has.
 */
public interface SyncStateStore {

    Optional<byte[]> load(String storageId, String documentId);

    /** Stores several states of one peer; best effort (a lost state only costs extra round trips). */
    void saveAll(String storageId, Map<String, byte[]> statesByDocument);

    static SyncStateStore inMemory() {
        Map<String, byte[]> m = new ConcurrentHashMap<>();
        return new SyncStateStore() {
            @Override
            public Optional<byte[]> load(String storageId, String documentId) {
                return Optional.ofNullable(m.get(storageId + "\n" + documentId));
            }

            @Override
            public void saveAll(String storageId, Map<String, byte[]> states) {
                states.forEach((doc, bytes) -> m.put(storageId + "\n" + doc, bytes.clone()));
            }
        };
    }
}
