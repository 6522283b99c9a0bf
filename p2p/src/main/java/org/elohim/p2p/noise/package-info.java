/**
 * libp2p {@code /noise}: the pure Noise_XX_25519_ChaChaPoly_SHA256 state machine
 * ({@link org.elohim.p2p.noise.NoiseXXHandshake}), the libp2p payload and identity binding
 * ({@link org.elohim.p2p.noise.Libp2pNoiseHandshake}), and the Netty secure channel
 * ({@link org.elohim.p2p.noise.NoiseSecureChannelHandler}).
 */
package org.elohim.p2p.noise;
