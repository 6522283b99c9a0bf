package org.elohim.sync;

import java.util.Optional;
import org.elohim.api.v1.EventKind;
import org.elohim.api.v1.Reach;

/**
 * Access decisions for one session, about its proved peer. The engine asks before it lists an
 * event, serves a document, fetches one, or stores changes received from the peer. A denied
 * document must look exactly like a missing one to the peer.
 */
public interface SyncPolicy {

    /** May the peer receive this document (its events and its changes)? */
    boolean mayReceive(DocState doc);

    /**
     * May the peer write to {@code docId} (or create it, when {@code existing} is empty)? On yes,
     * the owner and reach the document is created with (ignored for an existing one): the peer's
     * claims are only a hint. Empty means denied: the changes are not fetched nor stored.
     */
    Optional<WriteGrant> mayWrite(String docId, Optional<DocState> existing, String claimedOwner, Reach claimedReach);

    /** The kind recorded in my stream for changes received from this peer. */
    EventKind receivedKind(boolean backfill);

    /** Owner and reach to create a document with. */
    record WriteGrant(String owner, Reach reachIfNew) {
    }

    /** Everything permitted; the peer's claims are taken as they are (a device's view of its node). */
    static SyncPolicy trusting(EventKind kind) {
        return new SyncPolicy() {
            @Override
            public boolean mayReceive(DocState doc) {
                return true;
            }

            @Override
            public Optional<WriteGrant> mayWrite(String docId, Optional<DocState> existing, String claimedOwner,
                                                 Reach claimedReach) {
                return Optional.of(new WriteGrant(claimedOwner, claimedReach));
            }

            @Override
            public EventKind receivedKind(boolean backfill) {
                return kind;
            }
        };
    }
}
