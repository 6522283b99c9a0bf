/**
 * Shared wire primitives: unsigned varints, uvarint length-prefixed framing (Netty codecs), a minimal protobuf
 * reader/writer, and the typed {@link org.elohim.p2p.codec.P2pProtocolException} hierarchy every decoder throws.
 */
package org.elohim.p2p.codec;
