package org.elohim.node.realtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.DocumentRejected;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.docs.EventKind;
import org.elohim.node.reach.Requester;

/**
 * One {@code /ws} session: its subscriptions and what it has been sent. Every method runs on the
 * session's own serial executor; the transport is behind {@link Outbound}.
 */
public final class RealtimeSession {
    /** Where the session's messages go (a WebSocket in production). */
    public interface Outbound {
        void sendText(String text);

        void close(int code, String reason);
    }

    /** The endpoint's index of which sessions want which documents. */
    interface Registry {
        void subscribe(String docId, RealtimeSession session);

        void unsubscribe(String docId, RealtimeSession session);
    }

    public static final int DEFAULT_MAX_SUBSCRIPTIONS = 100_000;

    private final DocumentService docs;
    private final RealtimePolicy policy;
    private final Requester requester;
    private final Outbound out;
    private final Registry registry;
    private final Executor executor;
    private final String origin;
    private final int maxSubscriptions;
    private final RealtimeCodec codec = new RealtimeCodec();
    /** Subscribed doc -> heads this session has been sent (empty: nothing yet). */
    private final Map<String, List<byte[]>> sent = new HashMap<>();
    private boolean closed;

    RealtimeSession(DocumentService docs, RealtimePolicy policy, Requester requester, Outbound out, Registry registry,
                    Executor executor, String origin, int maxSubscriptions) {
        this.docs = docs;
        this.policy = policy;
        this.requester = requester;
        this.out = out;
        this.registry = registry;
        this.executor = executor;
        this.origin = origin;
        this.maxSubscriptions = maxSubscriptions;
    }

    public String origin() {
        return origin;
    }

    Executor executor() {
        return executor;
    }

    void onText(String text) {
        if (closed) return;
        RealtimeMessage m;
        try {
            m = codec.decode(text);
        } catch (RealtimeCodec.Invalid e) {
            out.sendText(codec.error(e.code(), e.getMessage(), null));
            return;
        }
        if (m instanceof RealtimeMessage.Subscribe s) {
            subscribe(s.docIds());
        } else if (m instanceof RealtimeMessage.Unsubscribe u) {
            for (String id : u.docIds()) if (sent.remove(id) != null) registry.unsubscribe(id, this);
        } else if (m instanceof RealtimeMessage.Change c) {
            change(c.docId(), c.changes());
        }
    }

    private void subscribe(List<String> ids) {
        List<String> accepted = new ArrayList<>();
        for (String id : ids) {
            if (sent.containsKey(id)) {
                accepted.add(id);
                continue;
            }
            if (sent.size() >= maxSubscriptions) {
                out.sendText(codec.error("too_many", "at most " + maxSubscriptions + " subscriptions per session", id));
                break;
            }
            sent.put(id, List.of());
            registry.subscribe(id, this);
            accepted.add(id);
        }
        // Missing and denied documents are accepted alike (DESIGN §6): they simply send nothing.
        out.sendText(codec.subscribed(accepted));
        for (String id : accepted) push(id);
    }

    private void change(String docId, byte[] changes) {
        Optional<DocumentInfo> info = docs.info(docId);
        String owner;
        org.elohim.node.reach.Reach reach;
        if (info.isPresent()) {
            if (!policy.mayRead(requester, info.get())) {
                out.sendText(codec.error("not_found", "no such document", docId));
                return;
            }
            if (!policy.mayWrite(requester, info.get().owner(), info.get().reach())) {
                out.sendText(codec.error("forbidden", "this document is read-only for you", docId));
                return;
            }
            owner = info.get().owner();
            reach = info.get().reach();
        } else {
            RealtimePolicy.NewDocument created = policy.newDocumentFor(requester);
            owner = created.owner();
            reach = created.reach();
        }
        docs.applyChanges(docId, changes, owner, reach, EventKind.LOCAL, origin).whenComplete((r, e) -> executor.execute(() -> {
            if (closed) return;
            if (e == null) {
                out.sendText(codec.ack(docId, r.heads()));
                return;
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof DocumentRejected rejected) {
                out.sendText(codec.error("invalid_changes", rejected.getMessage(), docId));
            } else {
                out.sendText(codec.error("internal", "the change could not be stored", docId));
            }
        }));
    }

    /** Sends the subscriber what it lacks of {@code docId}, if it may have it. */
    void push(String docId) {
        if (closed) return;
        List<byte[]> have = sent.get(docId);
        if (have == null) return;
        Optional<DocumentInfo> info = docs.info(docId);
        if (info.isEmpty() || !policy.mayRead(requester, info.get())) return;
        List<byte[]> heads = info.get().heads();
        if (sameHeads(have, heads)) return;
        Optional<byte[]> changes;
        try {
            changes = docs.changesSince(docId, have);
        } catch (DocumentRejected e) {
            changes = docs.changesSince(docId, List.of());
        }
        if (changes.isEmpty() || changes.get().length == 0) return;
        out.sendText(codec.change(docId, changes.get(), heads));
        sent.put(docId, heads);
    }

    void closed() {
        if (closed) return;
        closed = true;
        for (String id : sent.keySet()) registry.unsubscribe(id, this);
        sent.clear();
    }

    private static boolean sameHeads(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) return false;
        outer:
        for (byte[] x : a) {
            for (byte[] y : b) if (java.util.Arrays.equals(x, y)) continue outer;
            return false;
        }
        return true;
    }
}
