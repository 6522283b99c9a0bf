package org.elohim.node.device;

/** Authentication headers were present but did not prove a registered device. */
public final class AuthenticationFailed extends Exception {
    public AuthenticationFailed(String message) {
        super(message);
    }
}
