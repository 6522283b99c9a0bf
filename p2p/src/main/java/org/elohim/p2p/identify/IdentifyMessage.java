package org.elohim.p2p.identify;

import org.elohim.p2p.multiaddr.Multiaddr;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The identify message (identify spec: {@code Identify} protobuf). Fields a peer left out are empty;
 * {@code signedPeerRecord} is carried but not interpreted.
 */
public record IdentifyMessage(
        Optional<String> protocolVersion,
        Optional<String> agentVersion,
        Optional<byte[]> publicKey,
        List<Multiaddr> listenAddrs,
        Optional<Multiaddr> observedAddr,
        List<String> protocols,
        Optional<byte[]> signedPeerRecord) {

    public IdentifyMessage {
        listenAddrs = List.copyOf(listenAddrs);
        protocols = List.copyOf(protocols);
        publicKey = publicKey.map(byte[]::clone);
        signedPeerRecord = signedPeerRecord.map(byte[]::clone);
    }

    @Override
    public Optional<byte[]> publicKey() {
        return publicKey.map(byte[]::clone);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdentifyMessage m
                && protocolVersion.equals(m.protocolVersion) && agentVersion.equals(m.agentVersion)
                && Arrays.equals(publicKey.orElse(null), m.publicKey.orElse(null))
                && listenAddrs.equals(m.listenAddrs) && observedAddr.equals(m.observedAddr)
                && protocols.equals(m.protocols)
                && Arrays.equals(signedPeerRecord.orElse(null), m.signedPeerRecord.orElse(null));
    }

    @Override
    public int hashCode() {
        return protocols.hashCode() * 31 + listenAddrs.hashCode();
    }

    @Override
    public String toString() {
        return "IdentifyMessage[protocolVersion=" + protocolVersion.orElse("") + ", agentVersion=" + agentVersion.orElse("")
                + ", listenAddrs=" + listenAddrs + ", observedAddr=" + observedAddr.map(Multiaddr::toString).orElse("")
                + ", protocols=" + protocols + "]";
    }
}
