/**
 * libp2p identities (peer-ids spec): Ed25519 {@link org.elohim.p2p.peer.IdentityKey}s in libp2p protobuf form,
 * {@link org.elohim.p2p.peer.PublicKeyInfo} and {@link org.elohim.p2p.peer.PeerId} with base58btc and CIDv1 text.
 */
package org.elohim.p2p.peer;
