/** Multiaddrs: text and binary forms, strict validation, socket-address and peer-id helpers. */
package org.elohim.p2p.multiaddr;
