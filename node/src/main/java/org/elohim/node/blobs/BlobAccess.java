package org.elohim.node.blobs;

import java.util.List;
import java.util.Optional;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;

/**
 * Reach for blobs (DESIGN §6): a blob is readable by whoever may read a document that references
 * it (a document of one of the blob's owners), or may receive it by the reach an owner declared when
 * uploading it. Anything else
 * gets empty, exactly as for a blob that does not exist.
 */
public final class BlobAccess {
    /** Referencing documents checked per decision: a blob named by many documents cannot make one read scan them all. */
    static final int MAX_REFERENCES_CHECKED = 256;

    private final BlobStore store;
    private final DocumentService docs;
    private final ReachEnforcer reach;

    public BlobAccess(BlobStore store, DocumentService docs, ReachEnforcer reach) {
        this.store = store;
        this.docs = docs;
        this.reach = reach;
    }

    public BlobStore store() {
        return store;
    }

    public boolean mayRead(Requester requester, BlobId id) {
        List<BlobOwnership> owners = store.owners(id);
        for (BlobOwnership o : owners) {
            if (reach.mayReceive(requester, o.owner(), o.reach())) return true;
        }
        for (String docId : store.references(id, MAX_REFERENCES_CHECKED).keySet()) {
            Optional<DocumentInfo> doc = docs.info(docId);
            if (doc.isEmpty() || !reach.mayReceive(requester, doc.get())) continue;
            // A reference shares a blob only when the document's owner owns the blob (or nobody
            // declared it, e.g. it came from another node for that document): otherwise anyone who
            // learned an id could publish someone else's private blob by naming it in a commons document.
            if (owners.isEmpty() || owners.stream().anyMatch(o -> o.owner().equals(doc.get().owner()))) return true;
        }
        return false;
    }

    /** The blob if it exists and the requester may read it. */
    public Optional<BlobInfo> readable(Requester requester, BlobId id) {
        Optional<BlobInfo> info = store.info(id);
        return info.isPresent() && mayRead(requester, id) ? info : Optional.empty();
    }

    public Optional<BlobReader> open(Requester requester, BlobId id) {
        return readable(requester, id).isPresent() ? store.open(id) : Optional.empty();
    }
}
