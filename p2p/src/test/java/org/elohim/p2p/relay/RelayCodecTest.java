package org.elohim.p2p.relay;

import org.elohim.p2p.codec.FrameTooLargeException;
import org.elohim.p2p.codec.MalformedFrameException;
import org.elohim.p2p.codec.P2pProtocolException;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.relay.RelayMessage.Hop;
import org.elohim.p2p.relay.RelayMessage.HopType;
import org.elohim.p2p.relay.RelayMessage.Limit;
import org.elohim.p2p.relay.RelayMessage.Peer;
import org.elohim.p2p.relay.RelayMessage.Reservation;
import org.elohim.p2p.relay.RelayMessage.Stop;
import org.elohim.p2p.relay.RelayMessage.StopType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RelayCodecTest {

    private static final PeerId PEER = IdentityKey.fromSeed(new byte[32]).peerId();

    @Test
    void connectBytesMatchTheProtobuf() {
        // type=CONNECT(1), peer{id}: 08 01 12 <len> 0a <len> <id>
        byte[] bytes = RelayCodec.encode(Hop.connect(PEER));
        String id = HexFormat.of().formatHex(PEER.bytes());
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("0801" + "12" + "28" + "0a" + "26" + id);
        assertThat(RelayCodec.decodeHop(bytes)).isEqualTo(Hop.connect(PEER));
    }

    @Test
    void statusWithReservationAndLimitRoundTrips() {
        Multiaddr a = Multiaddr.parse("/ip4/10.0.0.1/tcp/4001/p2p/" + PEER);
        Hop ok = new Hop(HopType.STATUS, Optional.empty(),
                Optional.of(new Reservation(1_900_000_000L, List.of(a), Optional.of(new byte[] {1, 2, 3}))),
                Optional.of(new Limit(Optional.of(120L), Optional.of(131072L))), Optional.of(RelayStatus.OK));
        Hop back = RelayCodec.decodeHop(RelayCodec.encode(ok));
        assertThat(back.status()).contains(RelayStatus.OK);
        assertThat(back.reservation().get().expire()).isEqualTo(1_900_000_000L);
        assertThat(back.reservation().get().addrs()).containsExactly(a);
        assertThat(back.reservation().get().voucher().get()).containsExactly(1, 2, 3);
        assertThat(back.limit()).contains(new Limit(Optional.of(120L), Optional.of(131072L)));

        Stop stop = new Stop(StopType.CONNECT, Optional.of(Peer.of(PEER)), Optional.of(Limit.NONE), Optional.empty());
        assertThat(RelayCodec.decodeStop(RelayCodec.encode(stop))).isEqualTo(stop);
    }

    @Test
    void rejectsUnknownTypeStatusMissingIdAndOversize() {
        assertThatThrownBy(() -> RelayCodec.decodeHop(new byte[] {0x08, 0x07})).isInstanceOf(MalformedFrameException.class);
        assertThatThrownBy(() -> RelayCodec.decodeHop(new byte[] {0x08, 0x02, 0x28, 0x63})).isInstanceOf(MalformedFrameException.class);
        assertThatThrownBy(() -> RelayCodec.decodeStop(new byte[] {0x08, 0x00, 0x12, 0x00})).isInstanceOf(MalformedFrameException.class);
        assertThatThrownBy(() -> RelayCodec.decodeHop(new byte[RelayCodec.MAX_MESSAGE_BYTES + 1]))
                .isInstanceOf(FrameTooLargeException.class);
    }

    @Test
    void voucherIsSignedByTheRelayAndNamesBothPeers() {
        IdentityKey relay = IdentityKey.generate();
        PeerId peer = IdentityKey.generate().peerId();
        byte[] sealed = new Voucher(relay.peerId(), peer, 1_900_000_000L).seal(relay);
        assertThat(Voucher.open(sealed, relay.peerId(), peer).expiration()).isEqualTo(1_900_000_000L);
        assertThatThrownBy(() -> Voucher.open(sealed, relay.peerId(), PEER)).isInstanceOf(MalformedFrameException.class);
        assertThatThrownBy(() -> Voucher.open(sealed, PEER, peer)).isInstanceOf(MalformedFrameException.class);
        byte[] tampered = sealed.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThatThrownBy(() -> Voucher.open(tampered, relay.peerId(), peer)).isInstanceOf(MalformedFrameException.class);
        // a voucher signed by someone else for the same relay id
        byte[] forged = new Voucher(relay.peerId(), peer, 1_900_000_000L).seal(IdentityKey.generate());
        assertThatThrownBy(() -> Voucher.open(forged, relay.peerId(), peer)).isInstanceOf(MalformedFrameException.class);
    }

    /** Random and mutated input: every outcome is a message or a typed protocol error, never anything else. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void fuzzDecodersFailOnlyWithTypedErrors(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] valid = RelayCodec.encode(new Hop(HopType.STATUS, Optional.of(new Peer(PEER,
                List.of(Multiaddr.parse("/ip4/1.2.3.4/tcp/1")))), Optional.of(new Reservation(5, List.of(), Optional.of(new byte[8]))),
                Optional.of(Limit.NONE), Optional.of(RelayStatus.OK)));
        for (int i = 0; i < 2_000; i++) {
            byte[] input;
            if (rnd.nextBoolean()) {
                input = new byte[rnd.nextInt(64)];
                rnd.nextBytes(input);
            } else {
                input = valid.clone();
                for (int m = 0; m < 1 + rnd.nextInt(4); m++) {
                    input[rnd.nextInt(input.length)] = (byte) rnd.nextInt(256);
                }
            }
            for (int which = 0; which < 3; which++) {
                try {
                    switch (which) {
                        case 0 -> RelayCodec.decodeHop(input);
                        case 1 -> RelayCodec.decodeStop(input);
                        default -> Voucher.open(input, PEER, PEER);
                    }
                } catch (P2pProtocolException expected) {
                    // typed rejection
                }
            }
        }
    }
}
