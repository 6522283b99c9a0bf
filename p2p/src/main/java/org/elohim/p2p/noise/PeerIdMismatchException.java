package org.elohim.p2p.noise;

import org.elohim.p2p.peer.PeerId;

/** The remote proved an identity other than the one we dialed. */
public class PeerIdMismatchException extends NoiseHandshakeException {
    private final PeerId expected;
    private final PeerId actual;

    public PeerIdMismatchException(PeerId expected, PeerId actual) {
        super("expected peer " + expected + " but remote is " + actual);
        this.expected = expected;
        this.actual = actual;
    }

    public PeerId expected() {
        return expected;
    }

    public PeerId actual() {
        return actual;
    }
}
