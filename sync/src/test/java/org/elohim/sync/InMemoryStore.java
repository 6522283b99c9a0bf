package org.elohim.sync;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.elohim.api.v1.EventKind;
import org.elohim.api.v1.Reach;

/**
 * A fake {@link SyncStore}: a document is a set of 32-byte change ids (its "heads" are all of
 * them), changes travel as concatenated ids. Enough to exercise the engine's rules without
 * Automerge or SQLite. {@link #failApply} injects storage failures.
 */
final class InMemoryStore implements SyncStore {
    record Doc(Set<ByteBuffer> changes, Reach reach, String owner) {
    }

    final Map<String, Doc> docs = new HashMap<>();
    final TreeMap<Long, StreamEvent> events = new TreeMap<>();
    final Map<String, PeerState> peers = new HashMap<>();
    long epoch = 0x1111;
    long seq;
    int eventReads;
    int newEpochs;
    volatile Predicate<String> failApply = id -> false;

    synchronized void edit(String docId, byte[] change) {
        Doc d = docs.computeIfAbsent(docId, k -> new Doc(new LinkedHashSet<>(), Reach.REACH_PRIVATE, "alice"));
        d.changes().add(ByteBuffer.wrap(change.clone()));
        record(docId, EventKind.EVENT_KIND_LOCAL);
    }

    private void record(String docId, EventKind kind) {
        events.values().removeIf(e -> e.docId().equals(docId));
        Doc d = docs.get(docId);
        events.put(++seq, new StreamEvent(seq, docId, heads(d), kind, 0, d.reach(), d.owner()));
    }

    static List<byte[]> heads(Doc d) {
        List<byte[]> out = new ArrayList<>();
        for (ByteBuffer b : d.changes()) out.add(b.array());
        return out;
    }

    synchronized Set<ByteBuffer> content(String docId) {
        Doc d = docs.get(docId);
        return d == null ? Set.of() : Set.copyOf(d.changes());
    }

    @Override
    public synchronized CompletableFuture<Position> position() {
        return CompletableFuture.completedFuture(new Position(epoch, seq));
    }

    @Override
    public synchronized CompletableFuture<List<StreamEvent>> eventsSince(long afterSeq, int limit) {
        eventReads++;
        List<StreamEvent> out = new ArrayList<>();
        for (StreamEvent e : events.tailMap(afterSeq, false).values()) {
            if (out.size() == limit) break;
            out.add(e);
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public synchronized CompletableFuture<Optional<DocState>> doc(String docId) {
        Doc d = docs.get(docId);
        return CompletableFuture.completedFuture(d == null ? Optional.empty()
                : Optional.of(new DocState(docId, heads(d), d.reach(), d.owner())));
    }

    @Override
    public synchronized CompletableFuture<Boolean> containsHeads(String docId, List<byte[]> heads) {
        Set<ByteBuffer> have = content(docId);
        return CompletableFuture.completedFuture(heads.stream().allMatch(h -> have.contains(ByteBuffer.wrap(h))));
    }

    @Override
    public synchronized CompletableFuture<Optional<DocChanges>> changesSince(String docId, List<byte[]> heads,
                                                                           int maxPartBytes) {
        Doc d = docs.get(docId);
        if (d == null) return CompletableFuture.completedFuture(Optional.empty());
        Set<ByteBuffer> theirs = new LinkedHashSet<>();
        for (byte[] h : heads) theirs.add(ByteBuffer.wrap(h));
        ByteBuffer out = ByteBuffer.allocate(32 * d.changes().size());
        for (ByteBuffer c : d.changes()) if (!theirs.contains(c)) out.put(c.array());
        byte[] bytes = Arrays.copyOf(out.array(), out.position());
        return CompletableFuture.completedFuture(Optional.of(new DocChanges(bytes.length == 0 ? List.of() : List.of(bytes),
                heads(d), d.reach(), d.owner())));
    }

    @Override
    public synchronized CompletableFuture<Void> apply(String docId, byte[] changes, String owner, Reach reachIfNew,
                                                     EventKind kind) {
        if (failApply.test(docId)) {
            return CompletableFuture.failedFuture(new java.io.IOException("disk full (injected)"));
        }
        if (changes.length % 32 != 0) {
            return CompletableFuture.failedFuture(new ChangesRejected(ChangesRejected.Reason.MALFORMED, "not ids"));
        }
        Doc d = docs.computeIfAbsent(docId, k -> new Doc(new LinkedHashSet<>(), reachIfNew, owner));
        boolean grew = false;
        for (int i = 0; i < changes.length; i += 32) {
            grew |= d.changes().add(ByteBuffer.wrap(Arrays.copyOfRange(changes, i, i + 32)));
        }
        if (grew) record(docId, kind);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<PeerState> peer(String peerId) {
        return CompletableFuture.completedFuture(peers.getOrDefault(peerId, PeerState.NONE));
    }

    @Override
    public synchronized CompletableFuture<Void> setRead(String peerId, Position read) {
        PeerState p = peers.getOrDefault(peerId, PeerState.NONE);
        if (p.read().epoch() != read.epoch() || p.read().seq() < read.seq()) peers.put(peerId, new PeerState(read, p.acked()));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> setAcked(String peerId, Position acked) {
        PeerState p = peers.getOrDefault(peerId, PeerState.NONE);
        peers.put(peerId, new PeerState(p.read(), acked));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Position> startNewEpoch(String reason) {
        newEpochs++;
        epoch++;
        peers.replaceAll((k, v) -> new PeerState(Position.NONE, v.acked()));
        return CompletableFuture.completedFuture(new Position(epoch, seq));
    }
}
