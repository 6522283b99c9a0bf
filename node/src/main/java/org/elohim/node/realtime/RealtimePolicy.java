package org.elohim.node.realtime;

import java.util.Objects;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;

/**
 * What a realtime session (/ws or automerge-repo) may do with a document. Reading is exactly the
 * {@link ReachEnforcer}'s answer (DESIGN §6). Writing needs reading plus:
 * <ul>
 *   <li>a paired device may write what it may receive;</li>
 *   <li>an anonymous peer (only in open access mode) may write only documents created
 *       anonymously: commons means everyone may read, not that everyone may deface a family's
 *       document.</li>
 * </ul>
 * New documents belong to the device's owner with {@code deviceReach} (private by default);
 * documents created anonymously belong to {@link #ANONYMOUS_OWNER} with reach commons (the only
 * reach an anonymous peer could read back).
 */
public final class RealtimePolicy {
    public static final String ANONYMOUS_OWNER = "anonymous";

    private final ReachEnforcer reach;
    private final Reach deviceReach;

    public RealtimePolicy(ReachEnforcer reach, Reach newDocumentReachForDevices) {
        this.reach = Objects.requireNonNull(reach);
        this.deviceReach = Objects.requireNonNull(newDocumentReachForDevices);
    }

    public RealtimePolicy(ReachEnforcer reach) {
        this(reach, Reach.PRIVATE);
    }

    public record NewDocument(String owner, Reach reach) {
    }

    public boolean mayRead(Requester requester, String owner, Reach documentReach) {
        return reach.mayReceive(requester, owner, documentReach);
    }

    public boolean mayRead(Requester requester, DocumentInfo info) {
        return mayRead(requester, info.owner(), info.reach());
    }

    public boolean mayWrite(Requester requester, String owner, Reach documentReach) {
        if (!mayRead(requester, owner, documentReach)) return false;
        if (requester instanceof Requester.Device) return true;
        return ANONYMOUS_OWNER.equals(owner);
    }

    /** Owner and reach of a document this requester creates. */
    public NewDocument newDocumentFor(Requester requester) {
        if (requester instanceof Requester.Device d) return new NewDocument(d.owner(), deviceReach);
        return new NewDocument(ANONYMOUS_OWNER, Reach.COMMONS);
    }
}
