package org.elohim.node.device;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NonceCacheTest {

    @Test
    void aNonceIsAcceptedOncePerDeviceWhileRemembered() {
        NonceCache cache = new NonceCache(1_000, 10);
        assertThat(cache.record("d1", "n", 0)).isEqualTo(NonceCache.Outcome.FRESH);
        assertThat(cache.record("d1", "n", 500)).isEqualTo(NonceCache.Outcome.REPLAYED);
        assertThat(cache.record("d2", "n", 500)).isEqualTo(NonceCache.Outcome.FRESH);
    }

    @Test
    void oldEntriesAreDroppedSoMemoryStaysBounded() {
        NonceCache cache = new NonceCache(1_000, 3);
        cache.record("d", "a", 0);
        cache.record("d", "b", 0);
        cache.record("d", "c", 0);
        assertThat(cache.record("d", "e", 10)).isEqualTo(NonceCache.Outcome.FULL);
        assertThat(cache.record("d", "e", 1_001)).isEqualTo(NonceCache.Outcome.FRESH);
        assertThat(cache.size()).isEqualTo(1);
    }
}
