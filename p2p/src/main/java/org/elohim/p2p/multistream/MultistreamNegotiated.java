package org.elohim.p2p.multistream;

/**
 * User event fired by {@link MultistreamDialer} / {@link MultistreamListener} right before they remove themselves;
 * bytes that followed the negotiation are forwarded after it.
 */
public record MultistreamNegotiated(String protocol) {
}
