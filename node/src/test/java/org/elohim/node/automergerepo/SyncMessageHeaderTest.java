package org.elohim.node.automergerepo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SyncMessageHeaderTest {
    private static byte[] dataOf(int frame) throws Exception {
        GoldenFrames.Frame f = GoldenFrames.load().stream().filter(x -> x.number() == frame).findFirst().orElseThrow();
        RepoMessage m = new RepoMessageCodec().decode(f.bytes());
        return m instanceof RepoMessage.Sync s ? s.data() : ((RepoMessage.Request) m).data();
    }

    @Test
    void readsHeadsAndCountsOfCapturedMessages() throws Exception {
        SyncMessageHeader first = SyncMessageHeader.parse(dataOf(3)).orElseThrow();
        assertThat(first.version()).isEqualTo(0x42);
        assertThat(first.heads()).hasSize(1);
        assertThat(HexFormat.of().formatHex(first.heads().get(0)))
                .isEqualTo("b5801097cb6cb79e6b31e077151ed4f547c9d75fd11155f68d824b0e16e93694");
        assertThat(first.changeCount()).isZero();
        SyncMessageHeader request = SyncMessageHeader.parse(dataOf(9)).orElseThrow();
        assertThat(request.heads()).isEmpty();
        assertThat(request.haveCount()).isEqualTo(1);
        SyncMessageHeader withChange = SyncMessageHeader.parse(dataOf(11)).orElseThrow();
        assertThat(withChange.version()).isEqualTo(0x43);
        assertThat(withChange.changeCount()).isZero();
    }

    @Test
    void countsChangesOfALiveMessage() {
        org.automerge.Document d = new org.automerge.Document();
        try (org.automerge.Transaction tx = d.startTransaction()) {
            tx.set(org.automerge.ObjectId.ROOT, "k", "v");
            tx.commit();
        }
        org.automerge.SyncState s = new org.automerge.SyncState();
        byte[] first = d.generateSyncMessage(s).orElseThrow();
        assertThat(SyncMessageHeader.parse(first).orElseThrow().heads()).hasSize(1);
        s.free();
        d.free();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "41", "42", "4201", "42ff", "420101", "4200000001", "42000000010a01",
            "42ffffffffffffffffffff01"})
    void rejectsTruncatedOrHostileBytes(String hex) {
        assertThat(SyncMessageHeader.parse(HexFormat.of().parseHex(hex))).isEmpty();
    }

    @Test
    void acceptsTheEmptyMessage() {
        assertThat(SyncMessageHeader.parse(new byte[]{0x42, 0, 0, 0, 0}))
                .hasValueSatisfying(h -> assertThat(h.heads()).isEqualTo(List.of()));
    }
}
