package org.elohim.p2p.relay;

import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PeerId;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The relay's limits with a fake clock (times passed in). */
class ReservationTableTest {

    private static PeerId peer() {
        return IdentityKey.generate().peerId();
    }

    @Test
    void reservationsExpireAfterTheirTtlAndRefreshExtends() {
        ReservationTable t = new ReservationTable(RelayConfig.defaults().withReservationTtl(Duration.ofSeconds(60)));
        PeerId p = peer();
        assertThat(t.reserve(p, "1.1.1.1", 0)).isEqualTo(RelayStatus.OK);
        assertThat(t.expiry(p, 59_999)).isEqualTo(60_000);
        assertThat(t.reserve(p, "1.1.1.1", 30_000)).isEqualTo(RelayStatus.OK);
        assertThat(t.expiry(p, 89_999)).isEqualTo(90_000);
        assertThat(t.expiry(p, 90_000)).isEqualTo(-1);
        assertThat(t.openCircuit(peer(), p, 90_000)).isEqualTo(RelayStatus.NO_RESERVATION);
    }

    @Test
    void totalAndPerIpReservationLimits() {
        ReservationTable t = new ReservationTable(RelayConfig.defaults().withMaxReservations(3, 2));
        assertThat(t.reserve(peer(), "1.1.1.1", 0)).isEqualTo(RelayStatus.OK);
        assertThat(t.reserve(peer(), "1.1.1.1", 0)).isEqualTo(RelayStatus.OK);
        assertThat(t.reserve(peer(), "1.1.1.1", 0)).isEqualTo(RelayStatus.RESERVATION_REFUSED);
        assertThat(t.reserve(peer(), "2.2.2.2", 0)).isEqualTo(RelayStatus.OK);
        assertThat(t.reserve(peer(), "3.3.3.3", 0)).isEqualTo(RelayStatus.RESERVATION_REFUSED);
        // after expiry the slots are free again
        long later = RelayConfig.defaults().reservationTtl().toMillis() + 1;
        assertThat(t.reserve(peer(), "3.3.3.3", later)).isEqualTo(RelayStatus.OK);
        assertThat(t.reservations()).isEqualTo(1);
    }

    @Test
    void circuitLimitsPerPeerAndTotalAreReleasedOnClose() {
        ReservationTable t = new ReservationTable(RelayConfig.defaults().withMaxCircuits(3, 2));
        PeerId dst = peer();
        PeerId other = peer();
        t.reserve(dst, "1.1.1.1", 0);
        t.reserve(other, "1.1.1.2", 0);
        PeerId a = peer();
        assertThat(t.openCircuit(a, dst, 1)).isEqualTo(RelayStatus.OK);
        assertThat(t.openCircuit(peer(), dst, 1)).isEqualTo(RelayStatus.OK);
        assertThat(t.openCircuit(peer(), dst, 1)).isEqualTo(RelayStatus.RESOURCE_LIMIT_EXCEEDED);
        assertThat(t.openCircuit(peer(), other, 1)).isEqualTo(RelayStatus.OK);
        assertThat(t.openCircuit(peer(), other, 1)).isEqualTo(RelayStatus.RESOURCE_LIMIT_EXCEEDED); // total 3
        t.closeCircuit(a, dst);
        assertThat(t.circuits()).isEqualTo(2);
        assertThat(t.openCircuit(peer(), dst, 1)).isEqualTo(RelayStatus.OK);
    }
}
