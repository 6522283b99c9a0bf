package org.elohim.node.changes;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChangeGraphTest {
    static byte[] h(int i) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Integer.toString(i).getBytes());
    }

    @Test
    void headsAncestorsAndSince() throws Exception {
        // 0 <- 1 <- 2, 0 <- 3 (a fork), 4 merges 2 and 3
        ChangeGraph g = new ChangeGraph();
        g.add(h(0), List.of());
        g.add(h(1), List.of(h(0)));
        g.add(h(2), List.of(h(1)));
        g.add(h(3), List.of(h(0)));
        assertThat(g.heads()).hasSize(2);
        assertThat(g.since(List.of(h(2)))).containsExactly(3);
        assertThat(g.since(List.of(h(2), h(3)))).isEmpty();
        assertThat(g.since(List.of())).containsExactly(0, 1, 2, 3);
        assertThat(g.since(List.of(h(99)))).containsExactly(0, 1, 2, 3); // unknown: everything
        g.add(h(4), sorted(h(2), h(3)));
        assertThat(g.heads()).containsExactly(h(4));
        assertThat(g.since(List.of(h(1)))).containsExactly(2, 3, 4);
        assertThat(g.contains(h(3))).isTrue();
        assertThat(g.contains(h(5))).isFalse();
        assertThat(g.contains(new byte[31])).isFalse();
        assertThat(g.add(h(2), List.of(h(1)))).isEqualTo(2); // known: not added twice
        assertThat(g.size()).isEqualTo(5);
        assertThat(g.missingDeps(List.of(h(4), h(7)))).containsExactly(h(7));
    }

    @Test
    void largeLinearHistoryGrowsAndAnswers() throws Exception {
        ChangeGraph g = new ChangeGraph();
        List<byte[]> all = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] x = h(i);
            g.add(x, i == 0 ? List.of() : List.of(all.get(r.nextInt(Math.max(0, i - 3), i))));
            all.add(x);
        }
        for (int i = 0; i < 20_000; i += 997) assertThat(g.indexOf(all.get(i))).isEqualTo(i);
        assertThat(g.since(g.heads())).isEmpty();
        assertThat(g.footprint()).isLessThan(2_000_000);
    }

    private static List<byte[]> sorted(byte[] a, byte[] b) {
        return java.util.Arrays.compareUnsigned(a, b) < 0 ? List.of(a, b) : List.of(b, a);
    }
}
