package org.elohim.bench.node;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Transaction;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.docs.EventKind;
import org.elohim.node.reach.Reach;

/** Stores N small, distinct documents (an id and a short text) through the node's document service. */
final class Corpus {
    /** Writes in flight at once: enough for group commit to batch them. */
    static final int WINDOW = 128;
    private Corpus() {
    }

    static String id(int i) {
        return String.format("doc-%06d", i);
    }

    static void populate(DocumentService docs, int n, String owner) {
        List<CompletableFuture<?>> window = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Document d = new Document();
            Transaction tx = d.startTransaction();
            tx.set(ObjectId.ROOT, "n", i);
            ObjectId title = tx.set(ObjectId.ROOT, "title", ObjectType.TEXT);
            tx.spliceText(title, 0, 0, "document number " + i);
            tx.commit();
            byte[] bytes = d.save();
            d.free();
            window.add(docs.applyChanges(id(i), bytes, owner, Reach.PRIVATE, EventKind.LOCAL, "bench"));
            if (window.size() == WINDOW) {
                CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).join();
                window.clear();
            }
        }
        CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).join();
    }

    /** Changes {@code count} documents spread over the corpus (one change each). */
    static void change(DocumentService docs, int n, int count, String owner, int round) {
        List<CompletableFuture<?>> all = new ArrayList<>();
        int step = Math.max(1, n / count);
        for (int k = 0; k < count; k++) {
            all.add(docs.edit(id((k * step) % n), owner, Reach.PRIVATE, d -> {
                Transaction tx = d.startTransaction();
                tx.set(ObjectId.ROOT, "changed", round);
                tx.commit();
            }, "bench"));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    }
}
