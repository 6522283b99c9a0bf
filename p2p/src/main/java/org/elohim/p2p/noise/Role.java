package org.elohim.p2p.noise;

/** Noise handshake role: the dialer is the initiator. */
public enum Role {
    INITIATOR, RESPONDER
}
