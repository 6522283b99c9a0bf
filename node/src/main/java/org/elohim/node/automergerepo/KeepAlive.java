package org.elohim.node.automergerepo;

/**
 * The stock server's keep-alive: every interval, a socket that has said nothing since the last
 * ping (not even the pong) is dead; otherwise ping it again. Pure; the caller owns the timer.
 */
public final class KeepAlive {
    public enum Action { PING, DROP }

    public static final long DEFAULT_INTERVAL_MILLIS = 5_000;

    private boolean heardSinceLastPing = true;

    /** Any inbound bytes (frames, pongs) prove the peer alive. */
    public void heard() {
        heardSinceLastPing = true;
    }

    public Action tick() {
        if (!heardSinceLastPing) return Action.DROP;
        heardSinceLastPing = false;
        return Action.PING;
    }
}
