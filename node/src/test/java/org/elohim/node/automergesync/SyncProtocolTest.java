package org.elohim.node.automergesync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.elohim.node.changes.ChangeGraph;
import org.elohim.node.changes.Chunk;
import org.elohim.node.docs.ChangeView;
import org.junit.jupiter.api.Test;

/** The protocol rules on plain graphs, two engine-free peers against each other (no sockets). */
class SyncProtocolTest {
    static final HexFormat HEX = HexFormat.of();

    /** A store of fake changes (bytes = hash) for protocol tests. */
    static final class Store implements ChangeView {
        final ChangeGraph g = new ChangeGraph();
        final List<Chunk.Change> outliers = new ArrayList<>();

        void add(byte[] h, List<byte[]> deps) {
            g.add(h, deps);
        }

        @Override
        public ChangeGraph graph() {
            return g;
        }

        @Override
        public Collection<Chunk.Change> outliers() {
            return outliers;
        }

        @Override
        public List<byte[]> changes(int[] indices) {
            List<byte[]> out = new ArrayList<>();
            for (int i : indices) out.add(g.hash(i));
            return out;
        }

        /** "Applies" changes whose deps are known (the deps are kept by the test in a map). */
        void receive(List<byte[]> changes, java.util.Map<String, List<byte[]>> depsOf) {
            List<byte[]> waiting = new ArrayList<>(changes);
            for (Chunk.Change o : outliers) waiting.add(o.hash());
            outliers.clear();
            boolean progress = true;
            while (progress) {
                progress = false;
                for (var it = waiting.iterator(); it.hasNext(); ) {
                    byte[] c = it.next();
                    List<byte[]> d = depsOf.get(HEX.formatHex(c));
                    if (g.missingDeps(d).isEmpty()) {
                        g.add(c, d);
                        it.remove();
                        progress = true;
                    }
                }
            }
            for (byte[] c : waiting) outliers.add(new Chunk.Change(c, depsOf.get(HEX.formatHex(c)), c));
        }
    }

    static byte[] h(String s) throws Exception {
        return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes());
    }

    @Test
    void firstMessageMatchesTheReferenceVector() {
        Store s = new Store();
        s.add(SyncMessageCodecTest.H1, List.of());
        s.add(SyncMessageCodecTest.H2, List.of(SyncMessageCodecTest.H1));
        s.add(SyncMessageCodecTest.H3, List.of(SyncMessageCodecTest.H2));
        SyncMessage m = SyncProtocol.generate(new PeerState(), s).orElseThrow();
        assertThat(HEX.formatHex(SyncMessageCodec.encode(m))).isEqualTo("4201" + HEX.formatHex(SyncMessageCodecTest.H3)
                + "00010007030a0771c16ed400");
    }

    /** Runs two peers until both are quiet; returns the number of messages. */
    static int converge(Store a, Store b, PeerState sa, PeerState sb, java.util.Map<String, List<byte[]>> deps,
                        boolean loseFirstWithChanges) {
        int messages = 0;
        boolean lost = !loseFirstWithChanges;
        for (int round = 0; round < 50; round++) {
            boolean any = false;
            for (int dir = 0; dir < 2; dir++) {
                Store from = dir == 0 ? a : b;
                Store to = dir == 0 ? b : a;
                PeerState fs = dir == 0 ? sa : sb;
                PeerState ts = dir == 0 ? sb : sa;
                Optional<SyncMessage> m = SyncProtocol.generate(fs, from);
                if (m.isEmpty()) continue;
                any = true;
                messages++;
                SyncMessage decoded = SyncMessageCodec.decode(SyncMessageCodec.encode(m.get()));
                if (!lost && !decoded.changes().isEmpty()) {
                    lost = true; // the network ate it
                    continue;
                }
                List<byte[]> before = to.g.heads();
                to.receive(decoded.changes(), deps);
                SyncProtocol.receive(ts, decoded, before, decoded.changes(), to);
            }
            if (!any) return messages;
        }
        throw new AssertionError("did not converge");
    }

    @Test
    void divergentPeersConvergeAndGoQuiet() throws Exception {
        java.util.Map<String, List<byte[]>> deps = new java.util.HashMap<>();
        Store a = new Store();
        Store b = new Store();
        byte[] root = h("root");
        deps.put(HEX.formatHex(root), List.of());
        a.add(root, List.of());
        b.add(root, List.of());
        byte[] prevA = root;
        byte[] prevB = root;
        for (int i = 0; i < 200; i++) {
            byte[] x = h("a" + i);
            deps.put(HEX.formatHex(x), List.of(prevA));
            a.add(x, List.of(prevA));
            prevA = x;
            if (i < 50) {
                byte[] y = h("b" + i);
                deps.put(HEX.formatHex(y), List.of(prevB));
                b.add(y, List.of(prevB));
                prevB = y;
            }
        }
        int n = converge(a, b, new PeerState(), new PeerState(), deps, false);
        assertThat(SyncProtocol.sameSet(a.g.heads(), b.g.heads())).isTrue();
        assertThat(a.g.size()).isEqualTo(251);
        assertThat(n).isLessThanOrEqualTo(6);
    }

    @Test
    void aLostMessageDoesNotLivelock() throws Exception {
        java.util.Map<String, List<byte[]>> deps = new java.util.HashMap<>();
        Store a = new Store();
        Store b = new Store();
        byte[] prev = null;
        for (int i = 0; i < 5; i++) {
            byte[] x = h("c" + i);
            List<byte[]> d = prev == null ? List.of() : List.of(prev);
            deps.put(HEX.formatHex(x), d);
            a.add(x, d);
            prev = x;
        }
        PeerState sa = new PeerState();
        PeerState sb = new PeerState();
        converge(a, b, sa, sb, deps, true);
        assertThat(b.g.size()).isZero(); // both wait for an answer that never comes
        // The next message (here a local change on b) names the missing head in need; the hashes
        // are still in a's sentHashes, but explicitly needed ones are sent anyway.
        byte[] local = h("local");
        deps.put(HEX.formatHex(local), List.of());
        b.add(local, List.of());
        converge(a, b, sa, sb, deps, false);
        assertThat(b.g.size()).isEqualTo(6);
        assertThat(a.g.contains(local)).isTrue();
    }

    @Test
    void aPeerThatLostItsDataIsAskedToResetAndRecovers() throws Exception {
        java.util.Map<String, List<byte[]>> deps = new java.util.HashMap<>();
        Store a = new Store();
        byte[] x = h("x");
        deps.put(HEX.formatHex(x), List.of());
        a.add(x, List.of());
        // b claims (persisted state) to share x with a, but a lost everything: a holds nothing.
        Store empty = new Store();
        PeerState bState = new PeerState();
        bState.sharedHeads = List.of(x);
        PeerState emptyState = new PeerState();
        SyncMessage fromB = SyncProtocol.generate(bState, a).orElseThrow();
        SyncProtocol.receive(emptyState, fromB, List.of(), List.of(), empty);
        SyncMessage reset = SyncProtocol.generate(emptyState, empty).orElseThrow();
        assertThat(reset.have()).singleElement().satisfies(h -> assertThat(h.lastSync()).isEmpty());
        assertThat(converge(a, empty, bState, emptyState, deps, false)).isGreaterThan(0);
        assertThat(empty.g.contains(x)).isTrue();
    }

    @Test
    void needWalksThroughOutliersButNeverAsksForUnrelatedOrphans() throws Exception {
        Store s = new Store();
        byte[] a = h("a");
        byte[] b = h("b");
        byte[] orphan = h("orphan");
        byte[] gap = h("gap");
        s.add(a, List.of());
        s.outliers.add(new Chunk.Change(b, List.of(gap), b));
        s.outliers.add(new Chunk.Change(orphan, List.of(h("elsewhere")), orphan));
        assertThat(SyncProtocol.need(List.of(b), s.g, s.outliers)).containsExactly(gap);
        assertThat(SyncProtocol.need(List.of(a), s.g, s.outliers)).isEmpty();
    }
}
