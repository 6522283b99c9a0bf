/** Ed25519 and X25519 on raw RFC byte forms, JDK providers only. */
package org.elohim.p2p.crypto;
