package org.elohim.node.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Matches a method and a decoded path to a route. Pure: no I/O. */
public final class Router {
    private final List<Route> routes;

    public Router(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    public sealed interface Match {
        record Found(Route route, Map<String, String> params) implements Match {
        }

        /** The path exists but not with this method. */
        record WrongMethod(Set<String> allowed) implements Match {
        }

        record NotFound() implements Match {
        }
    }

    public Match match(String method, String path) {
        List<String> parts = split(path);
        Set<String> allowed = new LinkedHashSet<>();
        for (Route r : routes) {
            Optional<Map<String, String>> params = bind(r.segments(), parts);
            if (params.isEmpty()) continue;
            if (r.method().equals(method) || ("HEAD".equals(method) && "GET".equals(r.method()))) {
                return new Match.Found(r, params.get());
            }
            allowed.add(r.method());
        }
        return allowed.isEmpty() ? new Match.NotFound() : new Match.WrongMethod(allowed);
    }

    private static Optional<Map<String, String>> bind(List<String> pattern, List<String> parts) {
        if (pattern.size() != parts.size()) return Optional.empty();
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < pattern.size(); i++) {
            String p = pattern.get(i);
            if (p.startsWith("{") && p.endsWith("}")) {
                params.put(p.substring(1, p.length() - 1), parts.get(i));
            } else if (!p.equals(parts.get(i))) {
                return Optional.empty();
            }
        }
        return Optional.of(params);
    }

    /** Splits a raw path into percent-decoded segments; "/a//b/" → [a, b]. */
    static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (s.isEmpty()) continue;
            // '+' is literal in paths (only queries use it for space)
            out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        return out;
    }
}
