package org.elohim.node.sync;

import java.util.Optional;
import org.elohim.api.v1.EventKind;
import org.elohim.api.v1.Reach;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.elohim.sync.DocState;
import org.elohim.sync.SyncPolicy;

/**
 * The node's access rules for a sync peer, by its proved identity (DESIGN §6): events and
 * documents only as the {@link ReachEnforcer} allows; a document of mine the peer may not receive
 * is never written through it; new documents from a device belong to the device's owner whatever
 * the peer claims (node peers are trusted for owner).
 */
public final class ReachSyncPolicy implements SyncPolicy {
    private final Requester requester;
    private final ReachEnforcer reach;

    public ReachSyncPolicy(Requester requester, ReachEnforcer reach) {
        this.requester = requester;
        this.reach = reach;
    }

    @Override
    public boolean mayReceive(DocState doc) {
        return reach.mayReceive(requester, doc.owner(), SyncProto.fromProto(doc.reach()));
    }

    @Override
    public Optional<WriteGrant> mayWrite(String docId, Optional<DocState> existing, String claimedOwner,
                                         Reach claimedReach) {
        if (existing.isPresent() && !mayReceive(existing.get())) return Optional.empty();
        String owner = requester instanceof Requester.Device d ? d.owner() : claimedOwner;
        return Optional.of(new WriteGrant(owner, claimedReach));
    }

    @Override
    public EventKind receivedKind(boolean backfill) {
        if (requester instanceof Requester.Device) return EventKind.EVENT_KIND_LOCAL; // the owner's own change
        return backfill ? EventKind.EVENT_KIND_BACKFILL : EventKind.EVENT_KIND_NEW;
    }
}
