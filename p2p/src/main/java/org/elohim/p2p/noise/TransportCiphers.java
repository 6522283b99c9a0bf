package org.elohim.p2p.noise;

/** The two CipherStates after Split(), from one side's point of view. */
public record TransportCiphers(CipherState sender, CipherState receiver) {
}
