package org.elohim.node.config;

import java.util.Locale;

/** Who may open a realtime (WebSocket) session. Reach is enforced on what a session receives either way. */
public enum RealtimeAccess {
    /** Anyone may connect; unauthenticated sessions are anonymous and receive commons documents only. */
    OPEN,
    /** Only paired devices (valid device authentication) may connect. */
    PAIRED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static RealtimeAccess parse(String s) {
        for (RealtimeAccess a : values()) if (a.wireName().equals(s.trim().toLowerCase(Locale.ROOT))) return a;
        throw new ConfigException("realtime.access must be \"open\" or \"paired\", not \"" + s + "\"");
    }
}
