package org.elohim.node.automergesync;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.elohim.node.changes.ChangeGraph;
import org.elohim.node.changes.Chunk;
import org.elohim.node.docs.ChangeView;

/**
 * The Automerge sync protocol over a stored change graph, with no CRDT engine: what to send a
 * peer ({@link #generate}) and what its message tells us ({@link #receive}). Follows the reference
 * implementation's rules (docs/SYNC-PROTOCOL.md) with one deliberate difference: hashes the peer
 * explicitly needs are sent even if sent before, so a lost message cannot livelock the exchange.
 * Pure: state in {@link PeerState}, changes in a {@link ChangeView}.
 */
public final class SyncProtocol {
    private static final HexFormat HEX = HexFormat.of();

    private SyncProtocol() {
    }

    /** The next message for the peer, or empty if there is nothing to say. */
    public static Optional<SyncMessage> generate(PeerState s, ChangeView v) {
        ChangeGraph g = v.graph();
        List<byte[]> ourHeads = g.heads();
        List<byte[]> ourNeed = need(s.theirHeads, g, v.outliers());
        List<SyncMessage.Have> ourHave = List.of();
        List<byte[]> theirHeads = s.theirHeads == null ? List.of() : s.theirHeads;
        if (ourNeed.stream().allMatch(h -> contains(theirHeads, h))) {
            ourHave = List.of(new SyncMessage.Have(s.sharedHeads, bloomSince(g, s.sharedHeads)));
        }
        if (s.theirHave != null && !s.theirHave.isEmpty() && !g.containsAll(s.theirHave.get(0).lastSync())) {
            // They think we share history we do not have (we lost data): ask them to start over.
            return Optional.of(SyncMessage.v1(ourHeads, List.of(),
                    List.of(new SyncMessage.Have(List.of(), new byte[0])), List.of()));
        }
        int[] toSend = s.theirHave != null && s.theirNeed != null ? changesToSend(g, s.theirHave, s.theirNeed) : new int[0];
        Set<String> explicitlyNeeded = new HashSet<>();
        for (byte[] h : s.theirNeed == null ? List.<byte[]>of() : s.theirNeed) explicitlyNeeded.add(HEX.formatHex(h));
        List<Integer> send = new ArrayList<>();
        for (int i : toSend) {
            String hex = HEX.formatHex(g.hash(i));
            if (!s.sentHashes.contains(hex) || explicitlyNeeded.contains(hex)) send.add(i);
        }
        boolean headsUnchanged = sameSet(s.lastSentHeads, ourHeads);
        boolean headsEqual = s.theirHeads != null && sameSet(s.theirHeads, ourHeads);
        if (headsUnchanged && s.haveResponded) {
            if (headsEqual && send.isEmpty()) return Optional.empty();
            if (s.inFlight) return Optional.empty();
        }
        int[] idx = send.stream().mapToInt(Integer::intValue).toArray();
        List<byte[]> changes = v.changes(idx);
        s.haveResponded = true;
        s.lastSentHeads = ourHeads;
        for (int i : idx) s.sentHashes.add(HEX.formatHex(g.hash(i)));
        s.inFlight = true;
        return Optional.of(SyncMessage.v1(ourHeads, ourNeed, ourHave, changes));
    }

    /**
     * Updates the state from a message whose changes (if any) were already applied to the store.
     * {@code headsBefore} are our heads before applying; {@code applied} the hashes the message
     * carried.
     */
    public static void receive(PeerState s, SyncMessage m, List<byte[]> headsBefore, Collection<byte[]> applied,
                               ChangeView v) {
        ChangeGraph g = v.graph();
        s.inFlight = false;
        if (m.flags() >= 0 && (m.flags() & 1) != 0) s.sentHashes.clear(); // the peer reset its state
        if (!m.changes().isEmpty()) {
            List<byte[]> newHeads = g.heads();
            List<byte[]> shared = new ArrayList<>();
            for (byte[] h : newHeads) {
                boolean added = !contains(headsBefore, h) && contains(applied, h);
                if (added || contains(s.sharedHeads, h)) shared.add(h);
            }
            s.sharedHeads = sortedUnique(shared);
        }
        List<byte[]> known = new ArrayList<>();
        for (byte[] h : m.heads()) if (g.contains(h)) known.add(h);
        if (!s.sentHashes.isEmpty() && !known.isEmpty()) {
            BitSet anc = g.ancestors(known.stream().mapToInt(g::indexOf).toArray());
            s.sentHashes.removeIf(hex -> {
                int i = g.indexOf(HEX.parseHex(hex));
                return i >= 0 && anc.get(i);
            });
        }
        if (m.changes().isEmpty() && sameSet(m.heads(), headsBefore)) s.lastSentHeads = m.heads();
        if (known.size() == m.heads().size()) {
            s.sharedHeads = sortedUnique(m.heads());
            if (m.heads().isEmpty()) {
                s.lastSentHeads = List.of();
                s.sentHashes.clear();
            }
        } else {
            List<byte[]> all = new ArrayList<>(s.sharedHeads);
            all.addAll(known);
            s.sharedHeads = sortedUnique(all);
        }
        s.theirHave = m.have();
        s.theirHeads = m.heads();
        s.theirNeed = m.need();
    }

    /** Hashes reachable from their heads that we neither applied nor hold as outliers (walking through outliers). */
    static List<byte[]> need(List<byte[]> theirHeads, ChangeGraph g, Collection<Chunk.Change> outliers) {
        if (theirHeads == null || theirHeads.isEmpty()) return List.of();
        Map<String, Chunk.Change> queued = new HashMap<>();
        for (Chunk.Change c : outliers) queued.put(HEX.formatHex(c.hash()), c);
        Set<String> seen = new HashSet<>();
        List<byte[]> stack = new ArrayList<>(theirHeads);
        List<byte[]> out = new ArrayList<>();
        while (!stack.isEmpty()) {
            byte[] h = stack.remove(stack.size() - 1);
            String hex = HEX.formatHex(h);
            if (!seen.add(hex) || g.contains(h)) continue;
            Chunk.Change q = queued.get(hex);
            if (q != null) stack.addAll(q.deps());
            else out.add(h);
        }
        return sortedUnique(out);
    }

    static byte[] bloomSince(ChangeGraph g, List<byte[]> sharedHeads) {
        int[] since = g.since(sharedHeads);
        List<byte[]> hashes = new ArrayList<>(since.length);
        for (int i : since) hashes.add(g.hash(i));
        return BloomFilter.of(hashes).encode();
    }

    /** Indices (application order) of the changes the peer lacks according to its have and need. */
    static int[] changesToSend(ChangeGraph g, List<SyncMessage.Have> have, List<byte[]> need) {
        BitSet out = new BitSet();
        for (byte[] h : need) {
            int i = g.indexOf(h);
            if (i >= 0) out.set(i);
        }
        if (!have.isEmpty()) {
            List<byte[]> lastSync = new ArrayList<>();
            List<BloomFilter> blooms = new ArrayList<>();
            for (SyncMessage.Have h : have) {
                lastSync.addAll(h.lastSync());
                blooms.add(BloomFilter.decode(h.bloom()));
            }
            int[] candidates = g.since(lastSync);
            BitSet missing = new BitSet();
            for (int i : candidates) {
                byte[] hash = g.hash(i);
                boolean inSome = false;
                for (BloomFilter b : blooms) {
                    if (b.contains(hash)) {
                        inSome = true;
                        break;
                    }
                }
                if (!inSome) {
                    missing.set(i);
                    continue;
                }
                // A change whose dep they lack is resent too (repairs Bloom false positives).
                for (int d : g.depsOf(i)) {
                    if (missing.get(d)) {
                        missing.set(i);
                        break;
                    }
                }
            }
            out.or(missing);
        }
        return out.stream().toArray();
    }

    static boolean contains(Collection<byte[]> set, byte[] h) {
        for (byte[] x : set) if (Arrays.equals(x, h)) return true;
        return false;
    }

    static boolean sameSet(List<byte[]> a, List<byte[]> b) {
        if (a == null || b == null) return a == b;
        List<byte[]> x = sortedUnique(a);
        List<byte[]> y = sortedUnique(b);
        if (x.size() != y.size()) return false;
        for (int i = 0; i < x.size(); i++) if (!Arrays.equals(x.get(i), y.get(i))) return false;
        return true;
    }

    static List<byte[]> sortedUnique(List<byte[]> hs) {
        List<byte[]> s = new ArrayList<>(hs);
        s.sort(Arrays::compareUnsigned);
        List<byte[]> out = new ArrayList<>(s.size());
        for (byte[] h : s) if (out.isEmpty() || !Arrays.equals(out.get(out.size() - 1), h)) out.add(h);
        return out;
    }
}
