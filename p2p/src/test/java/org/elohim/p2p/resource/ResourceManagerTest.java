package org.elohim.p2p.resource;

import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PeerId;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResourceManagerTest {

    private static final PeerId A = IdentityKey.generate().peerId();
    private static final PeerId B = IdentityKey.generate().peerId();

    private static ResourceLimitExceededException.Scope refusal(ThrowingRunnable r) {
        try {
            r.run();
        } catch (ResourceLimitExceededException e) {
            return e.scope();
        }
        throw new AssertionError("not refused");
    }

    interface ThrowingRunnable {
        void run() throws ResourceLimitExceededException;
    }

    @Test
    void connectionLimitsPerDirectionPendingAndPeer() throws Exception {
        ResourceManager rm = new ResourceManager(new ResourceLimits(3, 1, 2, 1, 1, 10, 10, 10));
        ResourceManager.Connection in1 = rm.openConnection(true, false);
        ResourceManager.Connection in2 = rm.openConnection(true, false);
        // two handshakes pending: a third inbound waits for one to finish
        assertThat(refusal(() -> rm.openConnection(true, false))).isEqualTo(ResourceLimitExceededException.Scope.PENDING_INBOUND);
        in1.established(A);
        ResourceManager.Connection in3 = rm.openConnection(true, false);
        assertThat(refusal(() -> rm.openConnection(true, false))).isEqualTo(ResourceLimitExceededException.Scope.CONNECTIONS_INBOUND);
        assertThat(refusal(() -> in2.established(A))).isEqualTo(ResourceLimitExceededException.Scope.CONNECTIONS_PER_PEER);
        in2.established(B);
        ResourceManager.Connection out = rm.openConnection(false, false);
        assertThat(refusal(() -> rm.openConnection(false, false))).isEqualTo(ResourceLimitExceededException.Scope.CONNECTIONS_OUTBOUND);
        assertThat(refusal(() -> rm.openConnection(false, true))).isEqualTo(ResourceLimitExceededException.Scope.CONNECTIONS_OUTBOUND);
        out.close();
        out.close(); // released once
        ResourceManager.Connection relayed = rm.openConnection(false, true);
        assertThat(refusal(() -> rm.openConnection(true, true))).isIn(ResourceLimitExceededException.Scope.CONNECTIONS_INBOUND,
                ResourceLimitExceededException.Scope.RELAYED_CONNECTIONS);
        relayed.close();
        in1.close();
        in2.close();
        in3.close();
        assertThat(rm.usage()).containsExactly(0, 0, 0, 0, 0, 0);
        assertThat(rm.connectionsOf(A)).isZero();
    }

    @Test
    void streamLimitsPerDirectionAndPeerAreReleasedOnClose() throws Exception {
        ResourceManager rm = new ResourceManager(ResourceLimits.defaults().withStreams(2, 1, 2));
        ResourceManager.Connection c = rm.openConnection(false, false);
        assertThatThrownBy(() -> c.openStream(true)).isInstanceOf(IllegalStateException.class);
        c.established(A);
        ResourceManager.Stream s1 = c.openStream(true);
        ResourceManager.Stream s2 = c.openStream(false);
        assertThat(refusal(() -> c.openStream(true))).isEqualTo(ResourceLimitExceededException.Scope.STREAMS_PER_PEER);
        s2.close();
        assertThat(refusal(() -> {
            c.openStream(false);
            c.openStream(false);
        })).isEqualTo(ResourceLimitExceededException.Scope.STREAMS_OUTBOUND);
        s1.close();
        c.close();
        ResourceManager.Connection d = rm.openConnection(true, false);
        d.established(B);
        ResourceManager.Stream t1 = d.openStream(true);
        ResourceManager.Stream t2 = d.openStream(true);
        assertThat(refusal(() -> d.openStream(true))).isIn(ResourceLimitExceededException.Scope.STREAMS_INBOUND,
                ResourceLimitExceededException.Scope.STREAMS_PER_PEER);
        t1.close();
        t2.close();
        d.close();
        assertThat(rm.usage()[1]).isZero();
        assertThat(new ResourceLimitExceededException(ResourceLimitExceededException.Scope.STREAMS_PER_PEER, 2).getMessage())
                .isEqualTo("streams per peer limit 2 reached");
    }
}
