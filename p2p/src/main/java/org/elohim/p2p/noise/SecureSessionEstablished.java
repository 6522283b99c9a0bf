package org.elohim.p2p.noise;

import java.util.Optional;
import org.elohim.p2p.peer.PeerId;

/**
 * User event fired by {@link NoiseSecureChannelHandler} once the handshake is verified. {@code inlinedMuxer} is
 * the muxer agreed inside the handshake; empty means the caller negotiates one with multistream-select.
 * {@code remotePublicKey} is the remote's marshalled libp2p PublicKey.
 */
public record SecureSessionEstablished(PeerId remotePeer, byte[] remotePublicKey, Optional<String> inlinedMuxer) {
    public SecureSessionEstablished {
        remotePublicKey = remotePublicKey.clone();
    }

    @Override
    public byte[] remotePublicKey() {
        return remotePublicKey.clone();
    }
}
