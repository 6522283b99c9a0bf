/**
 * multistream-select 1.0: the pure {@link org.elohim.p2p.multistream.MultistreamCodec} and the Netty
 * {@link org.elohim.p2p.multistream.MultistreamDialer} / {@link org.elohim.p2p.multistream.MultistreamListener},
 * usable on a raw connection or on a muxed stream.
 */
package org.elohim.p2p.multistream;
