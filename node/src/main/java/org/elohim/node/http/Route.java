package org.elohim.node.http;

import java.util.List;

/**
 * A method + path pattern ("/storage/reach/{level}") and its handler. Handlers run off the event
 * loop (they may read SQLite) and answer with an {@link HttpReply} or throw {@link HttpError}.
 */
public record Route(String method, String pattern, Handler handler) {

    @FunctionalInterface
    public interface Handler {
        HttpReply handle(HttpExchange exchange) throws Exception;
    }

    public static Route get(String pattern, Handler handler) {
        return new Route("GET", pattern, handler);
    }

    public static Route post(String pattern, Handler handler) {
        return new Route("POST", pattern, handler);
    }

    public static Route put(String pattern, Handler handler) {
        return new Route("PUT", pattern, handler);
    }

    List<String> segments() {
        return Router.split(pattern);
    }
}
