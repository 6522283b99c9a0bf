package org.elohim.node.reach;

import java.util.EnumSet;
import java.util.Set;

/**
 * The one gate on every path that reads or ships a document (DESIGN §6). Callers that are denied
 * must answer exactly as for a missing document.
 */
public final class ReachEnforcer {
    private static final Set<Reach> ALL = EnumSet.allOf(Reach.class);
    private static final Set<Reach> FAMILY_AND_WIDER = EnumSet.of(Reach.FAMILY, Reach.COMMUNITY, Reach.COMMONS);
    private static final Set<Reach> COMMUNITY_AND_WIDER = EnumSet.of(Reach.COMMUNITY, Reach.COMMONS);
    private static final Set<Reach> COMMONS_ONLY = EnumSet.of(Reach.COMMONS);

    private final FamilyMembers family;

    public ReachEnforcer(FamilyMembers family) {
        this.family = family;
    }

    /** The reach levels this requester may receive. */
    public Set<Reach> receivable(Requester requester, String documentOwner) {
        // Java 17: no pattern switch; the order below is the table of DESIGN §6.
        if (requester instanceof Requester.Device d) {
            if (d.owner().equals(documentOwner)) return ALL;
            return family.isMember(d.owner()) ? FAMILY_AND_WIDER : COMMONS_ONLY;
        }
        if (requester instanceof Requester.ClusterNode) return ALL;
        if (requester instanceof Requester.TrustedPeer) return COMMUNITY_AND_WIDER;
        return COMMONS_ONLY;
    }

    /** Unknown reach (null) gets the narrowest answer. */
    public boolean mayReceive(Requester requester, String documentOwner, Reach documentReach) {
        Reach reach = documentReach == null ? Reach.PRIVATE : documentReach;
        return receivable(requester, documentOwner).contains(reach);
    }

    public boolean mayReceive(Requester requester, org.elohim.node.docs.DocumentInfo doc) {
        return mayReceive(requester, doc.owner(), doc.reach());
    }
}
