package org.elohim.node.runtime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Tries every configured port before the node binds anything, so that all conflicts are reported
 * at once, each with the option that moves it and a free port to try.
 */
public final class PortCheck {
    /** One listener to check: what it is, the run option that sets its port, bind address and port. */
    public record Listener(String name, String flag, String bind, int port) {
    }

    /** A port in use, with a free port nearby to suggest (0 if none found). */
    public record Conflict(Listener listener, String reason, int suggestion) {
    }

    private PortCheck() {
    }

    /** The listeners that conflict; ports 0 (ephemeral) never do. */
    public static List<Conflict> conflicts(List<Listener> listeners) {
        List<Conflict> out = new ArrayList<>();
        Set<Integer> taken = new java.util.HashSet<>();
        for (Listener l : listeners) if (l.port() != 0) taken.add(l.port());
        for (Listener l : listeners) {
            if (l.port() == 0) continue;
            String reason = tryBind(l.bind(), l.port());
            if (reason == null) continue;
            int suggestion = 0;
            for (int p = l.port() + 1; p < Math.min(65536, l.port() + 200) && suggestion == 0; p++) {
                if (!taken.contains(p) && tryBind(l.bind(), p) == null) suggestion = p;
            }
            if (suggestion != 0) taken.add(suggestion);
            out.add(new Conflict(l, reason, suggestion));
        }
        return out;
    }

    /** One message for all conflicts, ending with the options to use. */
    public static String message(List<Conflict> conflicts) {
        StringBuilder sb = new StringBuilder(conflicts.size() == 1 ? "a port is already in use:" : "ports are already in use:");
        for (Conflict c : conflicts) {
            sb.append("\n  ").append(c.listener().name()).append(" on ").append(c.listener().bind()).append(':')
                    .append(c.listener().port()).append(": ").append(c.reason());
        }
        sb.append("\nAnother program (or another node) listens there.");
        String flags = options(conflicts);
        if (!flags.isEmpty()) sb.append(" Free ports nearby: ").append(flags);
        return sb.toString();
    }

    /** The run options that move every conflicting listener to its suggested free port. */
    public static String options(List<Conflict> conflicts) {
        StringBuilder flags = new StringBuilder();
        for (Conflict c : conflicts) {
            if (c.suggestion() == 0) continue;
            if (flags.length() > 0) flags.append(' ');
            flags.append(c.listener().flag()).append(' ').append(c.suggestion());
        }
        return flags.toString();
    }

    /** Null when the port can be bound, else why not. */
    private static String tryBind(String bind, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as the real listeners do: a port in TIME_WAIT is free
            s.bind(new InetSocketAddress(bind, port));
            return null;
        } catch (IOException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }
}
