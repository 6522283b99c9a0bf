package org.elohim.node.automergerepo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DocumentUrlTest {

    @Test
    void goldenDocumentIdsAreValid() {
        assertThat(DocumentUrl.isValidId("254ngrQD6xjkvG8LwAsMRBVrtEu")).isTrue();
        assertThat(DocumentUrl.isValidId("2j9knpCseyhnK8izDmLpGP5WMdZQ")).isTrue();
        assertThat(DocumentUrl.parse("automerge:254ngrQD6xjkvG8LwAsMRBVrtEu").orElseThrow().url())
                .isEqualTo("automerge:254ngrQD6xjkvG8LwAsMRBVrtEu");
        assertThat(DocumentUrl.parse("automerge:254ngrQD6xjkvG8LwAsMRBVrtEu#abc")).isPresent();
    }

    @Test
    void goldenHeadEncodingMatchesTheServersGossip() {
        // frame #20 gossips heads ["Z9i9AbntAx82je7uaqGTMMr4fGf9vBKjk5MtyHEJFGoxqaHWh"] for the change whose
        // hash is 49003936... (frame #19's sync heads)
        byte[] hash = HexFormat.of().parseHex("49003936eb5693f7168a28d8f8d26350c59439d891b82c1bf406eff8d5962a9c");
        assertThat(Base58Check.encode(hash)).isEqualTo("Z9i9AbntAx82je7uaqGTMMr4fGf9vBKjk5MtyHEJFGoxqaHWh");
        assertThat(Base58Check.decode("Z9i9AbntAx82je7uaqGTMMr4fGf9vBKjk5MtyHEJFGoxqaHWh")).hasValue(hash);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0OIl", "254ngrQD6xjkvG8LwAsMRBVrtEv", "automerge:", "1111", "abc",
            "Z9i9AbntAx82je7uaqGTMMr4fGf9vBKjk5MtyHEJFGoxqaHWh"})
    void invalidIdsAreRejected(String s) {
        assertThat(DocumentUrl.isValidId(s)).isFalse();
        assertThat(DocumentUrl.parse(s)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void roundTripsUuidsAndLeadingZeros(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 200; i++) {
            UUID u = new UUID(r.nextLong(), r.nextLong());
            DocumentUrl url = DocumentUrl.of(u);
            assertThat(url.uuid()).isEqualTo(u);
            assertThat(DocumentUrl.parse(url.url())).hasValue(url);
        }
        byte[] zeros = new byte[]{0, 0, 1, 2};
        assertThat(Base58Check.decode(Base58Check.encode(zeros))).hasValue(zeros);
        assertThat(DocumentUrl.random().uuid().version()).isEqualTo(4);
    }
}
